"""The access control matrix: every page and every API operation, for every role, against one
table of expected outcomes.

Routes are discovered from the URL resolver and operations from the OpenAPI schema, so a new
route cannot escape: one missing from the table fails ``test_every_route_is_in_the_table``.
Outcomes: "ok" (2xx), "login" (302 to sign-in), "401", "403", "404", "405", or "redirect" (302
elsewhere). Object ids are those of the supplier's return on the commissioner's contract (see
``tests/access_world.py``); people from other organisations must get 404 for them.
"""

import json
import re
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.access_world import ROLES, build_world

pytestmark = pytest.mark.django_db

# --- how outcomes are named ------------------------------------------------------------------

ALL_OK = dict.fromkeys(ROLES, "ok")
SIGNED_IN = {**dict.fromkeys(ROLES, "ok"), "anonymous": "login"}
ICB = {**dict.fromkeys(ROLES, "403"), "anonymous": "login", "icb_analyst": "ok", "icb_admin": "ok"}
ICB_ADMIN = {**ICB, "icb_analyst": "403"}
POST_ONLY = {**dict.fromkeys(ROLES, "405"), "anonymous": "login"}
# The supplier's own people, the contract's commissioner and the ICB see the return; others 404.
RETURN_READERS = {
    **dict.fromkeys(ROLES, "404"), "anonymous": "login",
    "reporter": "ok", "org_admin": "ok", "viewer": "ok", "commissioner": "ok",
    "icb_analyst": "ok", "icb_admin": "ok",
}
# Only the supplier's admins and reporters change a return; readers who may not get 403.
RETURN_EDITORS = {**RETURN_READERS, "viewer": "403", "commissioner": "403", "icb_analyst": "403", "icb_admin": "403"}
# A draft is the supplier's alone until submitted: the commissioner does not see it (404).
DRAFT_EDITORS = {**RETURN_EDITORS, "commissioner": "404"}
REPORTERS = {**dict.fromkeys(ROLES, "403"), "anonymous": "login",
             "reporter": "ok", "org_admin": "ok", "other_reporter": "ok", "vcfse": "ok"}
ICB_POST_ONLY = {**dict.fromkeys(ROLES, "403"), "anonymous": "login", "icb_analyst": "405", "icb_admin": "405"}
CONTRACT_READERS = RETURN_READERS
CONTRACT_EDITORS = {**CONTRACT_READERS, "reporter": "403", "org_admin": "403", "viewer": "403",
                    "icb_analyst": "403", "icb_admin": "403"}
COMMISSIONERS = {**dict.fromkeys(ROLES, "403"), "anonymous": "login",
                 "commissioner": "ok", "other_commissioner": "ok"}
ORGANISATION_READERS = {**dict.fromkeys(ROLES, "404"), "anonymous": "login",
                        "reporter": "ok", "org_admin": "ok", "viewer": "ok",
                        "icb_analyst": "ok", "icb_admin": "ok"}
# The organisation's admins and ICB admins manage its people and details; members who may not get 403.
ORGANISATION_ADMINS = {**ORGANISATION_READERS, "reporter": "403", "viewer": "403", "icb_analyst": "403"}
# Only the organisation's own admins make and change its Partner VCFSE commitment: not the ICB.
VCFSE_ADMINS = {**ORGANISATION_ADMINS, "icb_admin": "403"}
# A PDF report is the asker's alone (here the commissioner's): anyone else, the ICB too, gets 404.
REPORT_OWNER = {**dict.fromkeys(ROLES, "404"), "anonymous": "login", "commissioner": "ok"}
# A contract's report is asked for by its commissioner or the ICB; the supplier sees the contract but may not.
CONTRACT_REPORT_ASKERS = {**CONTRACT_READERS, "reporter": "403", "org_admin": "403", "viewer": "403"}


def _kwargs(world):
    """Values for URL parameters, by parameter name."""
    return {
        "pk": None,  # chosen per route family below
        "evidence_pk": world.evidence.pk,
        "case_pk": world.case.pk,
        "number": 1,
        "code": "NT1",
        "slug": world.supplier.slug,
        "token": "not-a-valid-token",
        "step": "organisation",
        "uidb64": "MQ",
        "invitation_pk": world.invitation.pk,
        "line_pk": world.given_line.pk,
        "recipient_pk": world.recipient.pk,
        "fmt": "csv",
    }


# Which object a route's <pk> names, by the route's path prefix.
PK_OF = {
    "organisations/": "supplier",
    "signatures/": "signature",
    "icb/signatures/": "signature",
    "contracts/": "contract",
    "returns/": "submitted",
    "icb/organisations/": "supplier",
    "reporting/snapshots/builds/": "snapshot_build",
    "reporting/snapshots/": "built_snapshot",
    "reporting/reports/": "report",
}
# Routes about a return being filled in name the draft instead.
ROUTE_PK = {
    "commitments:return-edit": "draft",
    "commitments:evidence-add": "draft",
    "commitments:case-study-add": "draft",
    "commitments:return-upload": "draft",
    "commitments:vcfse-answer": "vcfse_org",  # the recipient answers on its own organisation's page
}
# Parameters that name something else on one route.
ROUTE_KWARGS = {
    "reporting:export": {"slug": "measures"},  # a table of the dashboard
    "commitments:vcfse-trend": {"code": "NT14"},  # a measure of the commitment
}
# Query strings a page needs to be about something.
ROUTE_QUERY = {
    "reporting:report-new": lambda w: f"?kind=contract&subject={w.contract.pk}&quarter=2025-1",
}

# route name → expected GET outcome per role (None: the route is checked elsewhere, with why).
PAGES = {
    "home": ALL_OK,
    "account": SIGNED_IN,
    "api-tokens": SIGNED_IN,
    "login": ALL_OK,
    "logout": {**dict.fromkeys(ROLES, "405")},  # sign-out is a POST (CSRF-protected)
    "password_reset": ALL_OK,
    "password_reset_done": ALL_OK,
    "password_reset_confirm": ALL_OK,  # an invalid link says so
    "password_reset_complete": ALL_OK,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "charter:organisation-list": SIGNED_IN,
    "charter:organisation-detail": ORGANISATION_READERS,
    "charter:organisation-charter": ORGANISATION_READERS,
    "charter:certificate": ORGANISATION_READERS,
    "charter:withdraw": POST_ONLY,
    "charter:resend": POST_ONLY,
    "charter:charter": ALL_OK,
    "charter:charter-version": ALL_OK,
    "charter:sign-start": ALL_OK,
    "charter:sign-choose": dict.fromkeys(ROLES, "405"),  # the search's choice is a POST
    "charter:sign-sent": dict.fromkeys(ROLES, "redirect"),  # nothing sent in this session yet
    "charter:sign-step": ALL_OK,
    "charter:sign-steps": {**dict.fromkeys(ROLES, "redirect")},
    "charter:confirm": dict.fromkeys(ROLES, "400"),  # a link that is not valid says so
    "charter:register": ALL_OK,
    "charter:register-csv": ALL_OK,
    "charter:register-json": ALL_OK,
    "charter:register-entry": ALL_OK,
    "charter:signatures": ICB,
    "charter:moderate": ICB_POST_ONLY,
    "charter:accept-email": ICB_POST_ONLY,
    "charter:icb-resend": ICB_POST_ONLY,
    "charter:audit-log": ICB_ADMIN,
    "charter:audit-log-csv": ICB_ADMIN,
    "toms:framework": ALL_OK,
    "toms:measure-detail": ALL_OK,
    "toms:proxy-value-import": ICB_ADMIN,
    "toms:proxy-value-template": ICB_ADMIN,
    "commitments:contract-list": SIGNED_IN,
    "commitments:contract-create": COMMISSIONERS,
    "commitments:contract-import": COMMISSIONERS,
    "commitments:contract-import-template": COMMISSIONERS,
    "commitments:contract-detail": CONTRACT_READERS,
    "commitments:contract-edit": CONTRACT_EDITORS,
    "commitments:commitments-edit": CONTRACT_EDITORS,
    "commitments:progress-chart": CONTRACT_READERS,
    "commitments:return-list": SIGNED_IN,
    "commitments:review-list": SIGNED_IN,
    "commitments:return-start": REPORTERS,
    "commitments:bulk-upload": REPORTERS,
    "commitments:return-detail": RETURN_READERS,
    "commitments:return-edit": DRAFT_EDITORS,
    "commitments:return-submit": POST_ONLY,
    "commitments:return-review": POST_ONLY,
    "commitments:return-amend": POST_ONLY,
    "commitments:return-history": RETURN_READERS,
    "commitments:evidence-add": DRAFT_EDITORS,
    "commitments:evidence-download": RETURN_READERS,
    "commitments:evidence-delete": POST_ONLY,
    "commitments:case-study-add": DRAFT_EDITORS,
    "commitments:case-study-delete": POST_ONLY,
    "commitments:return-template": RETURN_READERS,  # the figures as a spreadsheet: a read
    "commitments:return-upload": DRAFT_EDITORS,
    "commitments:return-export-csv": RETURN_READERS,
    "commitments:due-list": SIGNED_IN,  # each person's own due returns (the ICB's: everyone's)
    "commitments:vcfse-commitment": ORGANISATION_READERS,
    "commitments:vcfse-received": ORGANISATION_READERS,
    # Only the organisation's admins make its commitment: the journey's first page redirects to its first step.
    "commitments:vcfse-make": {**ORGANISATION_READERS, "org_admin": "redirect", "reporter": "403", "viewer": "403",
                               "icb_analyst": "403", "icb_admin": "403"},
    "commitments:vcfse-make-step": {**ORGANISATION_READERS, "org_admin": "redirect", "reporter": "403",
                                    "viewer": "403", "icb_analyst": "403", "icb_admin": "403"},
    "commitments:vcfse-revise": VCFSE_ADMINS,
    "commitments:vcfse-edit": VCFSE_ADMINS,
    "commitments:vcfse-trend": ORGANISATION_READERS,
    "commitments:vcfse-answer": POST_ONLY,
    "commitments:line-recipients": RETURN_READERS,  # the submitted return's NT14 line
    "commitments:vcfse-system": ICB,
    "commitments:vcfse-system-csv": ICB,
    "commitments:vcfse-system-xlsx": ICB,
    "charter:organisation-edit": ORGANISATION_ADMINS,
    "charter:people": ORGANISATION_ADMINS,
    "charter:people-invite": ORGANISATION_ADMINS,
    "charter:people-role": ORGANISATION_ADMINS,
    "charter:people-remove": ORGANISATION_ADMINS,
    "charter:invitation-resend": POST_ONLY,
    "charter:invitation-cancel": POST_ONLY,
    "charter:invitation": dict.fromkeys(ROLES, "400"),  # a link that is not valid says so
    "charter:register-verify": ALL_OK,
    "reporting:dashboard": ICB,
    "reporting:export": ICB,
    "reporting:snapshots": ICB_ADMIN,
    "reporting:build": ICB_ADMIN,
    "reporting:publish": {**ICB_POST_ONLY, "icb_analyst": "403"},
    "reporting:report-new": CONTRACT_REPORT_ASKERS,
    "reporting:report": REPORT_OWNER,
    "reporting:report-download": REPORT_OWNER,
    "reporting:commissioner": COMMISSIONERS,
    "reporting:reports": SIGNED_IN,  # each person's own report builds
    "reporting:directory": ICB,
    "reporting:directory-organisation": ICB,
    "reporting:public-summary": ALL_OK,
    "reporting:open-data-csv": ALL_OK,
    "reporting:open-data-json": ALL_OK,
    "accessibility": ALL_OK,
    "privacy": ALL_OK,
    "cookies": ALL_OK,
    "contact": ALL_OK,
    "api-schema": ALL_OK,
    "api-docs": ALL_OK,
    "api-redoc": ALL_OK,
}



def discovered_routes():
    """(name, path template, parameter names) for every named page outside the admin and API."""
    found = []

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                path = prefix + str(p.pattern)
                if path.startswith(("admin/", "api/v1/")):
                    continue
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append((name, path, re.findall(r"<(?:\w+:)?(\w+)>", path)))

    walk(get_resolver().url_patterns)
    return found


def outcome(response):
    code = response.status_code
    if code in (301, 302, 303):
        return "login" if response["Location"].startswith(reverse("login")) else "redirect"
    if 200 <= code < 300:
        return "ok"
    return str(code)


def closed(response):
    """A download's file closed (``response.close()`` would also close the test's database connection)."""
    if getattr(response, "file_to_stream", None) is not None:
        response.file_to_stream.close()
    return response


def client_for(world, role, api=False):
    client = APIClient() if api else Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def test_every_route_is_in_the_table():
    names = {name for name, _, _ in discovered_routes()}
    missing = sorted(names - PAGES.keys())
    stale = sorted(PAGES.keys() - names)
    assert not missing, f"Routes with no expected outcomes in the access matrix: {missing}"
    assert not stale, f"Routes in the access matrix that no longer exist: {stale}"


def test_every_page_for_every_role(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    values = _kwargs(world)
    wrong = []
    for name, path, params in discovered_routes():
        if name not in PAGES:
            continue  # test_every_route_is_in_the_table names it
        kwargs = {}
        for param in params:
            if param == "membership_pk":
                kwargs[param] = world.supplier.memberships.get(user=world.people["reporter"]).pk
            elif param == "pk" and name in ROUTE_PK:
                kwargs[param] = getattr(world, ROUTE_PK[name]).pk
            elif param == "pk":
                prefix = next(p for p in sorted(PK_OF, key=len, reverse=True) if path.startswith(p))
                kwargs[param] = getattr(world, PK_OF[prefix]).pk
            else:
                kwargs[param] = ROUTE_KWARGS.get(name, {}).get(param, values[param])
        url = reverse(name, kwargs=kwargs) + (ROUTE_QUERY[name](world) if name in ROUTE_QUERY else "")
        for role in ROLES:
            got = outcome(closed(client_for(world, role).get(url)))
            expected = PAGES[name][role]
            if got != expected:
                wrong.append(f"{role:>18} GET {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# --- state-changing pages: who may not, gets refused and nothing changes ----------------------

def fingerprint():
    """Everything a refused request must leave as it was."""
    from charter.models import Invitation, Membership, Signature
    from commitments.models import (
        CaseStudy,
        Contract,
        Evidence,
        PartnerCommitment,
        Return,
        ReturnLine,
        ReturnLineRecipient,
        Target,
    )
    from reporting.models import Report, Snapshot, SnapshotBuild

    return (
        list(Return.objects.order_by("pk").values_list("pk", "status", "revision", "reviewed_by")),
        list(ReturnLine.objects.order_by("pk").values_list("pk", "quantity", "narrative")),
        list(Evidence.objects.order_by("pk").values_list("pk")),
        list(CaseStudy.objects.order_by("pk").values_list("pk")),
        list(Signature.objects.order_by("pk").values_list("pk", "status", "is_hidden")),
        list(Contract.objects.order_by("pk").values_list("pk", "supplier", "title")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
        list(Invitation.objects.order_by("pk").values_list("pk", "status", "nonce")),
        list(PartnerCommitment.objects.order_by("pk").values_list("pk", "opportunities", "opportunity_kinds",
                                                                  "public_figures")),
        list(Target.objects.order_by("pk").values_list("pk", "financial_year", "value")),
        list(ReturnLineRecipient.objects.order_by("pk").values_list("pk", "organisation", "amount", "status",
                                                                    "comment")),
        list(Snapshot.objects.order_by("pk").values_list("pk", "published_at")),
        list(SnapshotBuild.objects.order_by("pk").values_list("pk")),
        list(Report.objects.order_by("pk").values_list("pk")),
    )


# route name → (POST data, outcome per role that must not act). Roles left out may act, and
# their effect is checked by the feature's own tests.
REFUSED_POSTS = {
    "commitments:return-review": (
        {"decision": "approve", "comment": "ok"},
        {"anonymous": "login", "reporter": "403", "org_admin": "403", "viewer": "403", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "commitments:return-submit": (
        {"attested": "on"},
        {"anonymous": "login", "viewer": "403", "commissioner": "404", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "commitments:return-amend": (
        {},
        {"anonymous": "login", "viewer": "403", "commissioner": "403", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "commitments:evidence-delete": (
        {},
        {"anonymous": "login", "viewer": "403", "commissioner": "403", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "commitments:case-study-delete": (
        {},
        {"anonymous": "login", "viewer": "403", "commissioner": "403", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "commitments:contract-edit": (
        {"title": "Renamed", "reference": "X-1"},
        {"anonymous": "login", "reporter": "403", "org_admin": "403", "viewer": "403", "other_reporter": "404",
         "other_commissioner": "404", "vcfse": "404", "icb_analyst": "403", "icb_admin": "403"},
    ),
    "charter:withdraw": (
        {"reason": "We no longer agree."},
        # Members who may not withdraw are sent back to the charter page with the reason (nothing changes).
        {"anonymous": "login", "reporter": "redirect", "viewer": "redirect", "other_reporter": "404", "vcfse": "404",
         "commissioner": "404", "other_commissioner": "404", "icb_analyst": "redirect"},
    ),
    "charter:moderate": (
        {"action": "hide", "reason": "spam"},
        {"anonymous": "login", "reporter": "403", "org_admin": "403", "viewer": "403", "other_reporter": "403",
         "vcfse": "403", "commissioner": "403", "other_commissioner": "403", "icb_analyst": "403"},
    ),
}
REFUSED_POST_TARGET = {
    "commitments:return-review": ("pk", "submitted"),
    "commitments:return-submit": ("pk", "draft"),
    "commitments:return-amend": ("pk", "submitted"),
    "commitments:evidence-delete": ("pk", "submitted"),
    "commitments:case-study-delete": ("pk", "submitted"),
    "commitments:contract-edit": ("pk", "contract"),
    "charter:withdraw": ("pk", "signature"),
    "charter:moderate": ("pk", "signature"),
}


def test_refused_posts_change_nothing(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    wrong = []
    for name, (data, refusals) in REFUSED_POSTS.items():
        param, obj = REFUSED_POST_TARGET[name]
        kwargs = {param: getattr(world, obj).pk}
        if name == "commitments:evidence-delete":
            kwargs["evidence_pk"] = world.evidence.pk
        if name == "commitments:case-study-delete":
            kwargs["case_pk"] = world.case.pk
        url = reverse(name, kwargs=kwargs)
        for role, expected in refusals.items():
            before = fingerprint()
            got = outcome(client_for(world, role).post(url, data))
            if got != expected:
                wrong.append(f"{role:>18} POST {url}: expected {expected}, got {got}")
            if fingerprint() != before:
                wrong.append(f"{role:>18} POST {url}: was refused but changed something")
    assert not wrong, "\n".join(wrong)


# --- state-changing pages: every role, what each gets, and what it did -------------------------

@contextmanager
def undone():
    """Whatever a request changes inside is rolled back, so each role starts from the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


ACTED = {"ok", "redirect"}  # in the tables below; every other outcome is a refusal


def _model(label):
    from django.apps import apps

    return apps.get_model(label)


def _target_2026(w):
    return _model("commitments.Target").objects.get(commitment=w.commitment, measure__code="NT14", financial_year=2026)


# route name → (URL, POST data, outcome for every role, whether the change was made). Those who
# act must have made the change; those refused must have changed nothing at all (``fingerprint``).
POSTS = {
    "reporting:snapshots": (  # ask for a quarter's snapshot to be rebuilt
        lambda w: reverse("reporting:snapshots"), lambda w: {"quarter": "2025/26 Q1"},
        {**ICB_ADMIN, "icb_admin": "redirect"},
        lambda w, user: _model("reporting.SnapshotBuild").objects.filter(requested_by=user)
        .exclude(pk=w.snapshot_build.pk).exists(),
    ),
    "reporting:publish": (
        lambda w: reverse("reporting:publish", args=[w.built_snapshot.pk]), lambda w: {},
        {**ICB_ADMIN, "icb_admin": "redirect"},
        lambda w, user: _model("reporting.Snapshot").objects
        .filter(pk=w.built_snapshot.pk, published_at__isnull=False, published_by=user).exists(),
    ),
    "reporting:report-new": (
        lambda w: reverse("reporting:report-new"),
        lambda w: {"kind": "contract", "subject": w.contract.pk, "quarter": "2025-1"},
        {**CONTRACT_REPORT_ASKERS, "commissioner": "redirect", "icb_analyst": "redirect", "icb_admin": "redirect"},
        lambda w, user: _model("reporting.Report").objects.filter(requested_by=user, subject=str(w.contract.pk))
        .exclude(pk=w.report.pk).exists(),
    ),
    "charter:invitation-resend": (
        lambda w: reverse("charter:invitation-resend", args=[w.supplier.pk, w.invitation.pk]), lambda w: {},
        {**ORGANISATION_ADMINS, "org_admin": "redirect", "icb_admin": "redirect"},
        lambda w, user: _model("charter.Invitation").objects.get(pk=w.invitation.pk).nonce != w.invitation.nonce,
    ),
    "charter:invitation-cancel": (
        lambda w: reverse("charter:invitation-cancel", args=[w.supplier.pk, w.invitation.pk]), lambda w: {},
        {**ORGANISATION_ADMINS, "org_admin": "redirect", "icb_admin": "redirect"},
        lambda w, user: _model("charter.Invitation").objects.get(pk=w.invitation.pk).status == "cancelled",
    ),
    # The VCFSE organisation's own people answer for it; the ICB sees the entry but may not answer.
    "commitments:vcfse-answer": (
        lambda w: reverse("commitments:vcfse-answer", args=[w.vcfse_org.pk, w.recipient.pk]),
        lambda w: {f"r{w.recipient.pk}-status": "confirmed", f"r{w.recipient.pk}-comment": ""},
        {**dict.fromkeys(ROLES, "404"), "anonymous": "login", "vcfse": "redirect", "icb_analyst": "403",
         "icb_admin": "403"},
        lambda w, user: _model("commitments.ReturnLineRecipient").objects
        .filter(pk=w.recipient.pk, status="confirmed", answered_by=user).exists(),
    ),
    "commitments:vcfse-revise": (
        lambda w: reverse("commitments:vcfse-revise", args=[w.supplier.pk]),
        lambda w: {"measure": "NT14", "financial_year": "2026", "value": "1250", "reason": "A new catering contract"},
        {**VCFSE_ADMINS, "org_admin": "redirect"},
        lambda w, user: _target_2026(w).value == 1250 and _target_2026(w).set_by == user,
    ),
    "commitments:vcfse-edit": (
        lambda w: reverse("commitments:vcfse-edit", args=[w.supplier.pk]),
        lambda w: {"opportunities": "Joint work with hospices.", "public_figures": "yes"},
        {**VCFSE_ADMINS, "org_admin": "redirect"},
        lambda w, user: _model("commitments.PartnerCommitment").objects
        .filter(pk=w.commitment.pk, opportunities="Joint work with hospices.", public_figures=True).exists(),
    ),
    # Naming a recipient on the draft's NT14 line: the draft is the supplier's alone (404 to the commissioner).
    "commitments:line-recipients": (
        lambda w: reverse("commitments:line-recipients", args=[w.draft.pk, w.draft_line.pk]),
        lambda w: {"organisation": w.vcfse_org.pk, "amount": "100"},
        {**DRAFT_EDITORS, "reporter": "redirect", "org_admin": "redirect"},
        lambda w, user: w.draft_line.recipients.filter(organisation=w.vcfse_org, amount=100, created_by=user).exists(),
    ),
}


def test_state_changing_pages_for_every_role(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    wrong = []
    for url_of, data_of, outcomes, done in POSTS.values():
        url, data = url_of(world), data_of(world)
        for role in ROLES:
            client = client_for(world, role)
            user = world.people.get(role)
            with undone():
                before = fingerprint()
                if done(world, user):
                    wrong.append(f"{role:>18} POST {url}: the change was made before the request")
                got = outcome(client.post(url, data))
                if got != outcomes[role]:
                    wrong.append(f"{role:>18} POST {url}: expected {outcomes[role]}, got {got}")
                elif got in ACTED and not done(world, user):
                    wrong.append(f"{role:>18} POST {url}: was allowed but did not make the change")
                elif got not in ACTED and fingerprint() != before:
                    wrong.append(f"{role:>18} POST {url}: was refused but changed something")
    assert not wrong, "\n".join(wrong)


# --- another organisation's id inside one's own URL: 404, and nothing changed -----------------

# (role, method, URL, body): each names something of the supplier the role may act for, with an
# id of the other supplier's (or another VCFSE's) thing in it.
def _crossed(role, method, name, args, body=None):
    return role, method, lambda w: reverse(name, args=[getattr(w, a).pk for a in args]), body


CROSSED = [
    _crossed("org_admin", "POST", "charter:invitation-cancel", ["supplier", "other_invitation"], {}),
    _crossed("org_admin", "POST", "charter:invitation-resend", ["supplier", "other_invitation"], {}),
    _crossed("icb_admin", "POST", "charter:invitation-cancel", ["supplier", "other_invitation"], {}),
    _crossed("reporter", "GET", "commitments:line-recipients", ["submitted", "other_line"]),
    _crossed("reporter", "POST", "commitments:line-recipients", ["draft", "other_line"],
             {"organisation": "{vcfse}", "amount": "1"}),
    _crossed("vcfse", "POST", "commitments:vcfse-answer", ["vcfse_org", "other_recipient"], {"status": "confirmed"}),
    _crossed("icb_admin", "POST", "commitments:vcfse-answer", ["supplier", "recipient"], {"status": "confirmed"}),
    _crossed("reporter", "GET", "commitments:evidence-download", ["submitted", "other_evidence"]),
    _crossed("commissioner", "GET", "commitments:evidence-download", ["submitted", "other_evidence"]),
    _crossed("other_reporter", "GET", "commitments:evidence-download", ["other_return", "evidence"]),
    _crossed("other_reporter", "POST", "commitments:evidence-delete", ["other_return", "evidence"], {}),
    _crossed("other_reporter", "POST", "commitments:case-study-delete", ["other_return", "case"], {}),
    # On the supplier's own draft, which its reporter may change: files of another return are not there.
    _crossed("reporter", "POST", "commitments:evidence-delete", ["draft", "other_evidence"], {}),
    _crossed("reporter", "POST", "commitments:evidence-delete", ["draft", "evidence"], {}),
    _crossed("reporter", "POST", "commitments:case-study-delete", ["draft", "case"], {}),
    ("reporter", "PUT", lambda w: f"/api/v1/return-line-recipients/{w.other_line.pk}/", {"recipients": []}),
    ("other_reporter", "GET", lambda w: f"/api/v1/partner-commitments/{w.commitment.pk}/progress/", None),
]


def test_other_organisations_ids_give_404(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    wrong = []
    for role, method, url_of, body in CROSSED:
        url = url_of(world)
        api = url.startswith("/api/")
        client = client_for(world, role, api=api)
        data = body and {k: str(world.vcfse_org.pk) if v == "{vcfse}" else v for k, v in body.items()}
        with undone():
            before = fingerprint()
            if api:
                response = client.generic(method, url, data=None if data is None else json.dumps(data),
                                          content_type="application/json")
            else:
                response = closed(client.get(url)) if method == "GET" else client.post(url, data)
            if response.status_code != 404:
                wrong.append(f"{role:>18} {method} {url}: expected 404, got {outcome(response)}")
            elif fingerprint() != before:
                wrong.append(f"{role:>18} {method} {url}: changed something")
    assert not wrong, "\n".join(wrong)


def test_the_state_changing_tables_cover_every_role_and_route():
    names = {name for name, _, _ in discovered_routes()}
    for name, (_, _, outcomes, _) in POSTS.items():
        assert name in names and set(outcomes) == set(ROLES), name
        assert ACTED & set(outcomes.values()), f"{name}: nobody may act"
    for key, (_, _, outcomes) in API.items():
        if key in API_EFFECTS:
            assert set(outcomes) == set(ROLES), key
    for path, method, _, _, outcomes, done in API_ALSO:
        assert (path, method) in API and (done is None or set(outcomes) == set(ROLES)), (path, method)


# --- the API, from its OpenAPI schema -----------------------------------------------------------

def schema_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


PUBLIC_API = {**dict.fromkeys(ROLES, "ok")}
API_SIGNED_IN = {**dict.fromkeys(ROLES, "ok"), "anonymous": "401"}
API_RETURN_READERS = {**RETURN_READERS, "anonymous": "401"}
API_CONTRACT_READERS = {**CONTRACT_READERS, "anonymous": "401"}
# Writes: anonymous 401, people who cannot see the object 404; those who may see but not act 403.
API_RETURN_REVIEW = {**API_RETURN_READERS, "reporter": "403", "org_admin": "403", "viewer": "403",
                     "icb_analyst": "403", "icb_admin": "403"}
API_CONTRACT_WRITE = {**API_CONTRACT_READERS, "reporter": "403", "org_admin": "403", "viewer": "403",
                      "icb_analyst": "403", "icb_admin": "403"}
API_RETURN_WRITE = {**API_RETURN_READERS, "viewer": "403", "commissioner": "403",
                    "icb_analyst": "403", "icb_admin": "403"}
API_ORGANISATION_READERS = {**ORGANISATION_READERS, "anonymous": "401"}
API_VCFSE_ADMINS = {**VCFSE_ADMINS, "anonymous": "401"}
API_DRAFT_EDITORS = {**DRAFT_EDITORS, "anonymous": "401"}
# A snapshot that is built and not yet published: the ICB's alone.
API_ICB_ONLY = {**dict.fromkeys(ROLES, "404"), "icb_analyst": "ok", "icb_admin": "ok"}

# (path, method) → (which object {id} names, body, outcome per role). For writes only the roles
# listed are checked (those that must be refused), with nothing changed.
API = {
    ("/api/v1/measures/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/measures/{code}/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/themes/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/themes/{code}/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/signatories/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/signatories/{slug}/", "GET"): (None, None, PUBLIC_API),
    ("/api/v1/contracts/", "GET"): (None, None, API_SIGNED_IN),
    ("/api/v1/contracts/", "POST"): (None, {}, {"anonymous": "401"}),
    ("/api/v1/contracts/{id}/", "GET"): ("contract", None, API_CONTRACT_READERS),
    ("/api/v1/contracts/{id}/", "PATCH"): ("contract", {"title": "Renamed"},
                                          {k: v for k, v in API_CONTRACT_WRITE.items() if v != "ok"}),
    ("/api/v1/returns/", "GET"): (None, None, API_SIGNED_IN),
    ("/api/v1/returns/", "POST"): (None, {}, {"anonymous": "401"}),
    ("/api/v1/returns/{id}/", "GET"): ("submitted", None, API_RETURN_READERS),
    ("/api/v1/returns/{id}/", "PUT"): ("submitted", {"revision": 1, "lines": []},
                                      {k: v for k, v in API_RETURN_WRITE.items() if v != "ok"}),
    ("/api/v1/returns/{id}/", "PATCH"): ("submitted", {"revision": 1, "lines": []},
                                        {k: v for k, v in API_RETURN_WRITE.items() if v != "ok"}),
    ("/api/v1/returns/{id}/submit/", "POST"): ("submitted", {"attested": True},
                                              {k: v for k, v in API_RETURN_WRITE.items() if v != "ok"}),
    ("/api/v1/returns/{id}/approve/", "POST"): ("submitted", {"comment": ""},
                                               {k: v for k, v in API_RETURN_REVIEW.items() if v != "ok"}),
    ("/api/v1/returns/{id}/request-changes/", "POST"): ("submitted", {"comment": "Please fix"},
                                                       {k: v for k, v in API_RETURN_REVIEW.items() if v != "ok"}),
    ("/api/v1/returns/{id}/amend/", "POST"): ("submitted", {},
                                             {k: v for k, v in API_RETURN_WRITE.items() if v != "ok"}),
    ("/api/v1/partner-commitments/", "GET"): (None, None, API_SIGNED_IN),  # scoped: each sees their own
    ("/api/v1/partner-commitments/", "POST"): (None, {}, {"anonymous": "401"}),
    ("/api/v1/partner-commitments/{id}/", "GET"): ("commitment", None, API_ORGANISATION_READERS),
    ("/api/v1/partner-commitments/{id}/progress/", "GET"): ("commitment", None, API_ORGANISATION_READERS),
    # Writes checked for every role, each from the same world: who acts, who is refused (with
    # nothing changed), and what the change was (API_EFFECTS).
    ("/api/v1/partner-commitments/{id}/", "PATCH"): (
        "commitment", {"opportunities": "Joint work with hospices.", "public_figures": True}, API_VCFSE_ADMINS),
    ("/api/v1/partner-commitments/{id}/targets/", "POST"): (
        "commitment", {"measure": "NT14", "financial_year": "2026/27", "value": "1250", "reason": "A new contract"},
        API_VCFSE_ADMINS),
    ("/api/v1/return-line-recipients/{id}/", "GET"): ("given_line", None, API_RETURN_READERS),
    ("/api/v1/return-line-recipients/{id}/", "PUT"): (
        "draft_line", {"recipients": [{"organisation": "{vcfse}", "amount": "100"}]}, API_DRAFT_EDITORS),
    ("/api/v1/snapshots/", "GET"): (None, None, PUBLIC_API),  # the published snapshot is public
    ("/api/v1/snapshots/{id}/", "GET"): ("published_snapshot", None, PUBLIC_API),
    # A wrong password: 400 (repeated from one address it is locked out with 429, tested with the lock-out).
    ("/api/v1/token/", "POST"): (None, {"email": "nobody@example.org", "password": "wrong"}, {"anonymous": "400"}),
}
# The same operations about a second object: (path, method, object, body, outcome per role, and
# for a write whose every role is listed, whether the change was made).
API_ALSO = [
    ("/api/v1/snapshots/{id}/", "GET", "built_snapshot", None, API_ICB_ONLY, None),
    # The VCFSE organisation makes its commitment: its id is in the body. Only its admin may; the
    # ICB sees the organisation but may not (403); to everyone else it is another organisation (404).
    ("/api/v1/partner-commitments/", "POST", None, {
        "organisation": "{vcfse}", "baseline_year": "2024/25", "opportunities": "Work with other charities.",
        "baselines": [{"measure": "NT14", "value": "1000", "method": "records", "reason": "Our own records."}],
        "targets": [{"measure": "NT14", "financial_year": f"{y}/{y - 1999}", "value": str(v)}
                    for y, v in ((2025, 1100), (2026, 1200), (2027, 1300))],
    }, {**dict.fromkeys(ROLES, "404"), "anonymous": "401", "vcfse": "ok", "icb_analyst": "403", "icb_admin": "403"},
        lambda w, user: _model("commitments.PartnerCommitment").objects
        .filter(organisation=w.vcfse_org, created_by=user).exists()),
]

# (path, method) → whether the change was made, for the writes whose every role is in API.
API_EFFECTS = {
    ("/api/v1/partner-commitments/{id}/", "PATCH"): lambda w, user: _model("commitments.PartnerCommitment").objects
    .filter(pk=w.commitment.pk, opportunities="Joint work with hospices.", public_figures=True).exists(),
    ("/api/v1/partner-commitments/{id}/targets/", "POST"): lambda w, user: (
        _target_2026(w).value == 1250 and _target_2026(w).set_by == user),
    ("/api/v1/return-line-recipients/{id}/", "PUT"): lambda w, user: w.draft_line.recipients
    .filter(organisation=w.vcfse_org, amount=100, created_by=user).exists(),
}


def test_every_api_operation_is_in_the_table():
    found = set(schema_operations())
    missing = sorted(found - API.keys())
    stale = sorted(API.keys() - found)
    assert not missing, f"API operations with no expected outcomes in the access matrix: {missing}"
    assert not stale, f"API operations in the access matrix that no longer exist: {stale}"


def test_every_api_operation_for_every_role(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    wrong = []
    checks = [(path, method, *entry, API_EFFECTS.get((path, method))) for (path, method), entry in API.items()]
    for path, method, target, body, expected_by_role, done in checks + API_ALSO:
        code = "jobs" if path.startswith("/api/v1/themes/") else "NT1"
        url = path.replace("{code}", code).replace("{slug}", world.supplier.slug)
        if target:
            url = url.replace("{id}", str(getattr(world, target).pk))
        data = None if body is None else json.dumps(body).replace('"{vcfse}"', str(world.vcfse_org.pk))
        for role, expected in expected_by_role.items():
            client = client_for(world, role, api=True)
            user = world.people.get(role)
            with undone():
                before = fingerprint()
                response = client.generic(method, url, data=data, content_type="application/json")
                got = outcome(response)
                if got != expected:
                    wrong.append(f"{role:>18} {method} {url}: expected {expected}, got {got}")
                elif method != "GET" and got != "ok" and fingerprint() != before:
                    wrong.append(f"{role:>18} {method} {url}: was refused but changed something")
                elif done is not None and (got == "ok") != done(world, user):
                    wrong.append(f"{role:>18} {method} {url}: {'did not make' if got == 'ok' else 'made'} the change")
    assert not wrong, "\n".join(wrong)
