"""Create the demo Cheshire and Merseyside from fixtures/demo.json. Safe to re-run."""

import datetime as dt
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from charter.models import CharterVersion, Membership, Organisation, Signature, SignatureStatus, User
from reporting.management.commands._demo_people import seed_people
from reporting.management.commands._demo_reporting import seed_reporting
from reporting.management.commands._demo_vcfse import seed_vcfse
from toms.models import Measure
from toms.services import set_proxy_value

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo.json"


class Command(BaseCommand):
    help = "Load the demo data set (organisations, people, illustrative proxy values)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    @transaction.atomic
    def handle(self, *args, **options):
        data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        if not Measure.objects.exists():
            call_command("load_framework", stdout=self.stdout)
        organisations = {}
        for row in data["organisations"]:
            row = dict(row)
            name = row.pop("name")
            org = Organisation.objects.filter(name=name).first() or Organisation(name=name)
            for key, value in row.items():
                setattr(org, key, value)
            org.full_clean()
            org.save()
            organisations[name] = org
        for row in data["users"]:
            user, _ = User.objects.get_or_create(
                email=row["email"], defaults={"full_name": row["full_name"]}
            )
            user.full_name = row["full_name"]
            user.system_role = row["system_role"]
            user.is_staff = row["is_staff"]
            user.set_password(data["password"])  # so the printed logins always work
            user.save()
            for m in row["memberships"]:
                Membership.objects.update_or_create(
                    user=user, organisation=organisations[m["organisation"]],
                    defaults={"role": m["role"]},
                )
        measures = {m.code: m for m in Measure.objects.all()}
        for row in data["proxy_values"]:
            set_proxy_value(
                measures[row["measure"]], row["financial_year"], Decimal(row["value"]), row["source"]
            )
        signed = self._signatures(data["signatures"], organisations)
        contracts = self._contracts(data["contracts"], organisations, measures)
        seed_vcfse(self.stdout)
        seed_people(self.stdout)
        seed_reporting(self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(organisations)} organisations in all nine places, "
            f"{len(data['users'])} demo people, {signed} charter signatures, {contracts} contracts with returns, "
            f"{len(data['proxy_values'])} illustrative proxy values."
        ))
        if not options["quiet_logins"]:
            self._print_logins(data, options["url"])

    def _signatures(self, rows, organisations):
        """Signatures as organisations made them, created once (signatures are history)."""
        version = CharterVersion.objects.current()
        now = timezone.now()
        for row in rows:
            organisation = organisations[row["organisation"]]
            if organisation.signatures.exists():
                continue
            when = now - timedelta(days=row["days_ago"])
            domain = organisation.email_domain or "example.org"
            signature = Signature(
                organisation=organisation, version=version, status=row["status"],
                signatory_name=row["signatory_name"], designation=row["designation"],
                signatory_email=f"{row['signatory_name'].split()[0].lower()}@{domain}",
                statement=row["statement"],
                principles=[version.principles[i] for i in row["principles_idx"]],
                priorities=[version.priorities[i] for i in row["priorities_idx"]],
                confirmation_sent_at=when,
            )
            if row["status"] in (SignatureStatus.LIVE, SignatureStatus.WITHDRAWN):
                signature.confirmed_at = signature.live_from = when
            if row["status"] == SignatureStatus.WITHDRAWN:
                signature.ended_at = when + timedelta(days=200)
                signature.withdrawal_reason = row["withdrawal_reason"]
            signature.save()
            Signature.objects.filter(pk=signature.pk).update(created_at=when)
        return Signature.objects.count()

    def _contracts(self, rows, organisations, measures):
        """Contracts with commitments and a history of returns, dated relative to today, so the
        demo always shows approved, submitted, draft, changes-requested and overdue returns."""
        import random

        from commitments.models import Commitment, Contract, Return, ReturnLine, ReturnStatus
        from toms.periods import Quarter

        now = Quarter.current()

        def shift(offset):
            q = now
            for _ in range(abs(offset)):
                q = q.next() if offset > 0 else q.previous()
            return q

        rng = random.Random(2026)  # the same demo every time

        def on_time(quarter, days):
            """Submitted (or reviewed) some days after the quarter ended, before its deadline;
            never in the future."""
            when = timezone.make_aware(dt.datetime.combine(quarter.end + timedelta(days=days), dt.time(10)))
            return min(when, timezone.now())
        for row in rows:
            commissioner = organisations[row["commissioner"]]
            if Contract.objects.filter(commissioner=commissioner, reference=row["reference"]).exists():
                continue
            contract = Contract.objects.create(
                commissioner=commissioner, supplier=organisations[row["supplier"]], reference=row["reference"],
                title=row["title"], value=Decimal(row["value"]), start_date=shift(row["start_q"]).start,
                end_date=shift(row["end_q"]).end, places_served=row["places"],
            )
            quarters_long = row["end_q"] - row["start_q"] + 1
            targets = {code: Decimal(target) for code, target in row["commitments"]}
            for code, target in targets.items():
                Commitment.objects.create(contract=contract, measure=measures[code], target_quantity=target)
            for status, offsets in row["returns"].items():
                for offset in offsets:
                    quarter = shift(offset)
                    ret = Return.objects.create(
                        organisation=contract.supplier, contract=contract, year=quarter.year,
                        quarter=quarter.number, status=status, attested=status != ReturnStatus.DRAFT,
                        submitted_at=None if status == ReturnStatus.DRAFT else on_time(quarter, 20),
                        reviewed_at=on_time(quarter, 25) if status in ("approved", "changes_requested") else None,
                        review_comment=(
                            "The NT17 hours look high for one quarter; please add the volunteering log as evidence."
                            if status == "changes_requested" else ""
                        ),
                    )
                    for code, target in targets.items():
                        measure = measures[code]
                        if measure.value_kind == "percentage":
                            quantity = target
                        else:
                            share = target / quarters_long * Decimal(rng.uniform(0.6, 1.5))
                            quantity = share.quantize(Decimal("1") if share > 10 else Decimal("0.1"))
                        ReturnLine.objects.create(
                            return_obj=ret, measure=measure, quantity=quantity,
                            narrative=f"Delivered on {contract.title.lower()} in {quarter}.",
                        )
        return Contract.objects.count()

    def _print_logins(self, data, url):
        width = max(len(row["email"]) for row in data["users"])
        self.stdout.write("")
        self.stdout.write(f"Open the portal at {url}")
        self.stdout.write(f"Demo logins (every password is {data['password']}):")
        for row in data["users"]:
            self.stdout.write(f"  {row['email']:<{width}}  {row['describe']}")
        self.stdout.write("")
