"""The access control matrix: every page and every API operation, for every role, against one
table of expected outcomes.

Routes are discovered from the URL resolver and operations from the OpenAPI schema, so a new
route cannot escape: one missing from the table fails ``test_every_route_is_in_the_table``.
Outcomes: "ok" (2xx), "login" (302 to sign-in), "401", "403", "404", "405", or "redirect" (302
elsewhere). Object ids are those of the supplier's return on the commissioner's contract (see
``tests/access_world.py``); people from other organisations must get 404 for them.
"""

import re

import pytest
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
    }


# Which object a route's <pk> names, by the route's path prefix.
PK_OF = {
    "organisations/": "supplier",
    "signatures/": "signature",
    "icb/signatures/": "signature",
    "contracts/": "contract",
    "returns/": "submitted",
    "icb/organisations/": "supplier",
}
# Routes about a return being filled in name the draft instead.
ROUTE_PK = {
    "commitments:return-edit": "draft",
    "commitments:evidence-add": "draft",
    "commitments:case-study-add": "draft",
    "commitments:return-upload": "draft",
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
    "commitments:vcfse-system": ICB,
    "commitments:vcfse-system-csv": ICB,
    "commitments:vcfse-system-xlsx": ICB,
    "charter:organisation-edit": ORGANISATION_ADMINS,
    "charter:people": ORGANISATION_ADMINS,
    "charter:people-invite": ORGANISATION_ADMINS,
    "charter:people-role": ORGANISATION_ADMINS,
    "charter:people-remove": ORGANISATION_ADMINS,
    "charter:invitation": dict.fromkeys(ROLES, "400"),  # a link that is not valid says so
    "charter:register-verify": ALL_OK,
    "reporting:dashboard": ICB,
    "reporting:snapshots": ICB_ADMIN,
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


# Routes whose outcomes need objects the world does not build yet (a snapshot build, a report, an
# invitation, a Partner VCFSE commitment, a recipient). Their own tests check who may use them;
# this list may only shrink, and a route that is in neither table fails the test.
PENDING = {
    "reporting:build", "reporting:publish", "reporting:report", "reporting:report-download",
    "reporting:report-new", "reporting:export", "charter:invitation-resend", "charter:invitation-cancel",
    "commitments:vcfse-answer", "commitments:vcfse-revise", "commitments:vcfse-edit", "commitments:vcfse-trend",
    "commitments:line-recipients",
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


def client_for(world, role, api=False):
    client = APIClient() if api else Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def test_every_route_is_in_the_table():
    names = {name for name, _, _ in discovered_routes()}
    missing = sorted(names - PAGES.keys() - PENDING)
    stale = sorted((PAGES.keys() | PENDING) - names)
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
                kwargs[param] = values[param]
        url = reverse(name, kwargs=kwargs)
        for role in ROLES:
            got = outcome(client_for(world, role).get(url))
            expected = PAGES[name][role]
            if got != expected:
                wrong.append(f"{role:>18} GET {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# --- state-changing pages: who may not, gets refused and nothing changes ----------------------

def fingerprint():
    """Everything a refused request must leave as it was."""
    from charter.models import Membership, Signature
    from commitments.models import CaseStudy, Contract, Evidence, Return, ReturnLine

    return (
        list(Return.objects.order_by("pk").values_list("pk", "status", "revision", "reviewed_by")),
        list(ReturnLine.objects.order_by("pk").values_list("pk", "quantity", "narrative")),
        list(Evidence.objects.order_by("pk").values_list("pk")),
        list(CaseStudy.objects.order_by("pk").values_list("pk")),
        list(Signature.objects.order_by("pk").values_list("pk", "status", "is_hidden")),
        list(Contract.objects.order_by("pk").values_list("pk", "supplier", "title")),
        list(Membership.objects.order_by("pk").values_list("pk", "role")),
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
    ("/api/v1/snapshots/", "GET"): (None, None, PUBLIC_API),  # the published snapshot is public
    # A wrong password: 400 (repeated from one address it is locked out with 429, tested with the lock-out).
    ("/api/v1/token/", "POST"): (None, {"email": "nobody@example.org", "password": "wrong"}, {"anonymous": "400"}),
}


API_PENDING = {
    ("/api/v1/partner-commitments/{id}/", "GET"), ("/api/v1/partner-commitments/{id}/", "PATCH"),
    ("/api/v1/partner-commitments/{id}/progress/", "GET"), ("/api/v1/partner-commitments/{id}/targets/", "POST"),
    ("/api/v1/return-line-recipients/{id}/", "GET"), ("/api/v1/return-line-recipients/{id}/", "PUT"),
    ("/api/v1/snapshots/{id}/", "GET"),
}


def test_every_api_operation_is_in_the_table():
    found = set(schema_operations())
    missing = sorted(found - API.keys() - API_PENDING)
    stale = sorted((API.keys() | API_PENDING) - found)
    assert not missing, f"API operations with no expected outcomes in the access matrix: {missing}"
    assert not stale, f"API operations in the access matrix that no longer exist: {stale}"


def test_every_api_operation_for_every_role(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    wrong = []
    for (path, method), (target, body, expected_by_role) in API.items():
        code = "jobs" if path.startswith("/api/v1/themes/") else "NT1"
        url = path.replace("{code}", code).replace("{slug}", world.supplier.slug)
        if target:
            url = url.replace("{id}", str(getattr(world, target).pk))
        for role, expected in expected_by_role.items():
            client = client_for(world, role, api=True)
            before = fingerprint()
            response = client.generic(method, url, data=None if body is None else __import__("json").dumps(body),
                                      content_type="application/json")
            got = outcome(response)
            if got != expected:
                wrong.append(f"{role:>18} {method} {url}: expected {expected}, got {got}")
            if method != "GET" and got != "ok" and fingerprint() != before:
                wrong.append(f"{role:>18} {method} {url}: was refused but changed something")
    assert not wrong, "\n".join(wrong)
