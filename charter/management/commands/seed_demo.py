"""Create the demo Cheshire and Merseyside from fixtures/demo.json. Safe to re-run."""

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from charter.models import Membership, Organisation, User
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
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(organisations)} organisations in all nine places, "
            f"{len(data['users'])} demo people, {len(data['proxy_values'])} illustrative proxy values."
        ))
        if not options["quiet_logins"]:
            self._print_logins(data, options["url"])

    def _print_logins(self, data, url):
        width = max(len(row["email"]) for row in data["users"])
        self.stdout.write("")
        self.stdout.write(f"Open the portal at {url}")
        self.stdout.write(f"Demo logins (every password is {data['password']}):")
        for row in data["users"]:
            self.stdout.write(f"  {row['email']:<{width}}  {row['describe']}")
        self.stdout.write("")
