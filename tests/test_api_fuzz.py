"""Fuzzing the API against its own OpenAPI schema (schemathesis), as two roles, in every CI run.

The schema is the one the portal serves at /api/schema/, read through the WSGI application
in-process (no server), and every operation in it is exercised for a supplier's reporter and an
ICB admin in the world of ``tests/access_world.py``. Path ids are drawn from the objects that
exist (so the fuzzer reaches the views' own logic, not only their 404) as well as generated.

Each response must:
- not be a server error (5xx);
- have a status code, a content type and a body the schema documents for the operation;
- accept a request the schema says is valid: a refusal of one is 401/403/404/409/429 (documented
  on the operation), or a 400 for a business rule the schema cannot express (an id that names
  nothing of yours, a figure below the baseline). A 400 with any of DRF's own messages about
  the request's shape ("This field is required.", "A valid integer is required." …) means the
  schema does not say what the API accepts, and fails.

Bounded and reproducible: a fixed seed, derandomized Hypothesis, ``MAX_EXAMPLES`` cases per
operation and phase, no deadline. Malformed JSON (400 in the documented shape) and ids that
name nothing (404) on every operation are checked one by one below, without the fuzzer.
"""

import json
import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.forms import fields as form_fields
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework import fields as drf_fields
from rest_framework import serializers as drf_serializers
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from charter import tokens
from charter.models import Role
from commitments.services import returns as rs
from tests.access_world import build_world
from tests.factories import MembershipFactory
from toms.periods import financial_year_label, financial_year_of

FUZZ_ROLES = ["reporter", "icb_admin"]
# Cases per operation and phase in CI; FUZZ_MAX_EXAMPLES=200 runs deeper locally.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = 13


# --- a schema-valid request may be refused for a business rule, never for its shape ----------


def _message_patterns():
    """DRF's and Django's own messages about a value's shape, as patterns ("{max_length}" → .*)."""
    classes = set()
    for module in (drf_fields, drf_serializers, form_fields):
        classes.update(c for c in vars(module).values() if isinstance(c, type))
    messages = set()
    for cls in classes:
        for klass in cls.__mro__:
            messages.update(str(m) for m in (getattr(klass, "default_error_messages", None) or {}).values())
    patterns = []
    for message in messages:
        pattern = re.escape(message)
        pattern = re.sub(r"\\\{\w*\\\}", ".*", pattern)  # DRF: {max_length}
        pattern = re.sub(r"%\\\(\w+\\\)[sd]", ".*", pattern)  # Django: %(value)s
        patterns.append(re.compile(f"^{pattern}$", re.DOTALL))
    return patterns


SHAPE_MESSAGES = _message_patterns()


def shape_errors(response):
    """The errors of a 400 that are about the request's shape (what the schema describes)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return ["(the body is not JSON)"]
    errors = body.get("errors") or []
    return [e for e in errors if any(p.match(str(e.get("message", ""))) for p in SHAPE_MESSAGES)]


def schema_valid_request_accepted(ctx, response, case):
    """positive_data_acceptance, except that a 400 for a business rule is an acceptable answer."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 400 and not shape_errors(response):
            return None
        raise


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    schema_valid_request_accepted,
]


# --- the schema, loaded from the application, one per role --------------------------------------


def fuzz_world():
    """The access matrix's world, with what the Partner VCFSE operations need: a commitment made
    by the commissioning council's admin, and a line on the draft to name recipients on."""
    import datetime as dt

    from charter.models import CharterVersion
    from tests.factories import CharterVersionFactory

    if CharterVersion.objects.current() is None:
        # A transactional test run before this one on the same worker flushed the database,
        # charter version 1 (a data migration's) with it; signatures need a version to sign.
        CharterVersionFactory(number=1)
    world = build_world()
    council = world.contract.commissioner
    admin = MembershipFactory(organisation=council, role=Role.ADMIN).user
    world.people["council_admin"] = admin
    year = financial_year_of(dt.date.today()) - 1
    made = token_client(admin).post(
        "/api/v1/partner-commitments/",
        {
            "organisation": council.pk,
            "baseline_year": financial_year_label(year),
            "baselines": [{"measure": "NT14", "value": "1000", "method": "records", "how": "Ledger"}],
            "targets": [
                {"measure": "NT14", "financial_year": financial_year_label(year + n), "value": str(1000 + 100 * n)}
                for n in (1, 2, 3)
            ],
            "opportunity_kinds": ["supply_chain"],
            "opportunities": "Cleaning contracts",
            "public_figures": True,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    world.objects["partner_commitment_id"] = made.json()["id"]
    world.draft.refresh_from_db()  # the world may have saved lines on it already
    rs.save_draft(
        world.draft,
        world.people["reporter"],
        [rs.LineInput(measure="NT14", quantity="500")],
        revision=world.draft.revision,
    )
    world.draft.refresh_from_db()
    world.objects["draft_line"] = world.draft.lines.get()
    return world


def real_ids(world):
    """Ids that name real objects, by the path they appear under."""
    from commitments.models import PartnerCommitment, ReturnLine
    from reporting.models import Snapshot

    return {
        "/api/v1/returns/": [world.submitted.pk, world.draft.pk],
        "/api/v1/contracts/": [world.contract.pk, world.other_contract.pk],
        "/api/v1/partner-commitments/": list(PartnerCommitment.objects.values_list("pk", flat=True)),
        "/api/v1/return-line-recipients/": list(ReturnLine.objects.values_list("pk", flat=True)),
        "/api/v1/snapshots/": list(Snapshot.objects.values_list("pk", flat=True)),
        "/api/v1/signatories/": [world.supplier.slug],
        "/api/v1/measures/": ["NT1", "NT14"],
        "/api/v1/themes/": ["jobs"],
    }


@pytest.fixture(params=FUZZ_ROLES)
def api_schema(request, framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client, the test client
    world = fuzz_world()
    token = tokens.issue(world.people[request.param])
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Token {token.key}"},
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,
                # The portal refuses the null character anywhere (400, as the API description says).
                "allow-x00": False,
            },
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=config)
    ids = real_ids(world)

    @schema.hook
    def flatmap_case(context, case):
        """A positive case's id is, as often as not, one that names something."""
        key = next((k for k in ("id", "slug", "code") if k in (case.path_parameters or {})), None)
        meta = case.meta
        if key is None or meta is None or not meta.generation.mode.is_positive:
            return st.just(case)
        prefix = next((p for p in ids if case.operation.path.startswith(p)), None)
        if not prefix or not ids[prefix]:
            return st.just(case)

        def with_id(value):
            if value is not None:
                case.path_parameters[key] = value
            return case

        return st.sampled_from([None, *ids[prefix]]).map(with_id)

    return schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32's lazy loader renames the test node through ``_nodeid``, which pytest 9 no
    longer has; give it one (pytest reads ``nodeid``, so nothing else changes)."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


# Transactional: schemathesis calls the WSGI application, which closes the database connection
# after each request as in production, so no test transaction can wrap the run. The world puts
# back charter version 1 (a data migration's) when an earlier transactional test flushed it;
# a serialized rollback would clash with the rows post_migrate recreates after each flush.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)


# --- one by one: malformed JSON and ids that name nothing, on every operation -------------------

METHODS = {"get", "post", "put", "patch", "delete"}


def served_schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema, where):
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS and where(path, operation)
    ]


def token_client(person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(person).key}")
    return client


def documented(operation, status):
    content = operation["responses"].get(str(status), {}).get("content", {})
    return content.get("application/json", {}).get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]


@pytest.fixture
def world(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return fuzz_world()


@pytest.mark.django_db
def test_malformed_json_gets_the_documented_400_on_every_operation_with_a_body(world):
    """For every operation that reads a body, someone allowed to use it who sends JSON that does
    not parse gets 400 in the documented {"detail", "errors"} shape, naming the body; nobody gets
    anything but a documented answer."""
    schema = served_schema()
    with_body = operations(schema, lambda path, op: "requestBody" in op)
    assert len(with_body) >= 12  # every write, the token included
    ids = {
        "/api/v1/returns/": world.draft.pk,
        "/api/v1/contracts/": world.contract.pk,
        "/api/v1/partner-commitments/": world.partner_commitment_id,
        "/api/v1/return-line-recipients/": world.draft_line.pk,
    }
    people = [None, *(world.people[r] for r in ("reporter", "commissioner", "council_admin", "icb_admin"))]
    wrong = []
    for path, method, operation in with_body:
        url = path.replace("{id}", str(next((v for k, v in ids.items() if path.startswith(k)), 1)))
        if path.startswith("/api/v1/returns/") and path.endswith(("/approve/", "/request-changes/")):
            url = path.replace("{id}", str(world.submitted.pk))
        got_400 = False
        for person in people:
            client = token_client(person) if person else APIClient()
            response = client.generic(
                method.upper(), url, '{"lines": [{"measure": "NT1",', content_type="application/json"
            )
            if str(response.status_code) not in operation["responses"]:
                wrong.append(f"{method.upper()} {url} as {person}: {response.status_code} is not documented")
            if response.status_code == 400:
                got_400 = True
                body = response.json()
                if set(body) != {"detail", "errors"} or [e["field"] for e in body["errors"]] != ["body"]:
                    wrong.append(f"{method.upper()} {url}: the 400 is not in the documented shape: {body}")
                if "could not be read" not in body["detail"]:
                    wrong.append(f"{method.upper()} {url}: the 400 does not say the body could not be read")
        if not got_400:
            wrong.append(f"{method.upper()} {url}: nobody got 400 for malformed JSON")
        if documented(operation, 400) != "ValidationError":
            wrong.append(f"{method.upper()} {path}: 400 is not documented as ValidationError")
    assert not wrong, "\n".join(wrong)


BAD_IDS = ["0", "-1", "999999999", str(2**63), str(2**70), "abc", "1.5", "1e3", "%20", "NaN"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_ids_that_name_nothing_get_the_documented_404_on_every_operation(world, role):
    """Every operation that takes an id, slug or code in its path answers 404 in JSON, as it
    documents, for an id that names nothing or is not an id at all."""
    schema = served_schema()
    with_id = operations(schema, lambda path, op: "{" in path)
    assert len(with_id) >= 17
    client = token_client(world.people[role])
    wrong = []
    for path, method, operation in with_id:
        if documented(operation, 404) != "Error":
            wrong.append(f"{method.upper()} {path}: 404 is not documented")
        for bad in BAD_IDS:
            url = re.sub(r"\{\w+\}", bad, path)
            response = client.generic(method.upper(), url, "{}", content_type="application/json")
            if response.status_code != 404 or response["Content-Type"] != "application/json":
                wrong.append(f"{method.upper()} {url}: {response.status_code} {response['Content-Type']}")
            elif not isinstance(response.json().get("detail"), str):
                wrong.append(f"{method.upper()} {url}: the 404 has no detail: {response.content[:100]}")
    assert not wrong, "\n".join(wrong)
