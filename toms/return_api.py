"""The quarterly returns API: /api/v1/returns/.

Every change goes through ``toms.return_services`` (the same rules, messages and history as the
web form and the spreadsheet upload); this module only translates HTTP to those calls and back.

Who sees what: the queryset is always ``Return.objects.for_user(request.user)``, so a return a
person may not see answers 404, whatever the method. How refusals map to status codes:

- 400: the request is wrong or the return's state does not allow it (a validation error, a
  draft with no lines, approving a draft...). The body is ``{"detail", "errors"}``; each error
  names the line (1-based, null when the error is not about a line), the measure code, the field
  and the message. Line errors carry exactly the services' messages.
- 403: the person can see the return (or the organisation) but may not do this to it, for
  example a reporter approving, a commissioner submitting, an ICB analyst reviewing, a viewer
  editing. The body is ``{"detail"}`` with the services' message.
- 404: the return is not one the person may see.
- 409: the return was saved by someone else since the ``revision`` the client sent; nothing was
  changed. The body is ``{"detail", "revision"}`` with the current revision.
"""

from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse as django_reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, Membership, Organisation
from toms import return_services as rs
from toms.models import Return, ReturnLine, ReturnStatus
from toms.models.returns import EDITABLE_RETURN_STATUSES, OPEN_RETURN_STATUSES
from toms.periods import Quarter, parse_financial_year

# toms sits below commitments, so the contract model is reached through the foreign key.
Contract = Return._meta.get_field("contract").related_model

# As in settings: the token first (anonymous → 401), refusing expired tokens (charter.tokens), then the session.
API_AUTHENTICATION = api_settings.DEFAULT_AUTHENTICATION_CLASSES

# --- errors: one shape for every 400, shared with the contracts API ------------------------


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True, help_text="1-based position in the request's list of lines; null when not about a line."
    )
    measure = serializers.CharField(allow_null=True, help_text="The measure code as sent, or null.")
    field = serializers.CharField(help_text="The field at fault: measure, quantity, narrative, revision…")
    message = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Every problem in one sentence.")
    errors = LineErrorSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    revision = serializers.IntegerField(help_text="The return's current revision; fetch it again before retrying.")


def error_response(http_status, detail, errors=None, **extra):
    body = {"detail": detail}
    if errors is not None or http_status == status.HTTP_400_BAD_REQUEST:
        body["errors"] = list(errors or [])
    body.update(extra)
    return Response(body, status=http_status)


def _line_error(line, measure, field, message):
    return {"line": line, "measure": measure, "field": field, "message": str(message)}


def flatten_errors(errors, data, *, list_field="lines", code_key="measure"):
    """DRF's nested ``serializer.errors`` as a flat list of {line, measure, field, message}.

    Errors of items in ``list_field`` name their 1-based line and the measure code sent there.
    """
    out = []
    data = data if isinstance(data, dict) else {}
    for field, value in errors.items():
        if field == list_field and isinstance(value, dict) and all(isinstance(k, int) for k in value):
            items = data.get(list_field) if isinstance(data.get(list_field), list) else []
            for index, item_errors in sorted(value.items()):
                item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
                code = str(item.get(code_key) or "").strip().upper() or "?"
                for item_field, messages in item_errors.items():
                    for message in messages:
                        out.append(_line_error(index + 1, code, item_field, message))
        elif isinstance(value, dict):  # a list field's own errors, e.g. {"non_field_errors": [...]}
            for messages in value.values():
                for message in messages if isinstance(messages, list) else [messages]:
                    out.append(_line_error(None, None, field, message))
        else:
            for message in value if isinstance(value, list) else [value]:
                out.append(_line_error(None, None, field, message))
    return out


def describe(errors):
    parts = []
    for e in errors:
        if e["line"] is not None:
            parts.append(f"Line {e['line']} ({e['measure']}): {e['message']}")
        elif e["field"] == "non_field_errors":
            parts.append(e["message"])
        else:
            parts.append(f"{e['field']}: {e['message']}")
    return "; ".join(parts)


def invalid_request(serializer, list_field="lines"):
    errors = flatten_errors(serializer.errors, serializer.initial_data, list_field=list_field)
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


def filter_error_response(exc):
    """django-filter's refusal of a query parameter, in the shape of every other 400."""
    errors = flatten_errors(exc.detail if isinstance(exc.detail, dict) else {"query": exc.detail}, {})
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


def validation_error_response(exc):
    errors = [_line_error(e.line, e.measure, e.field, e.message) for e in exc.errors]
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer,
    description="The request is invalid, or the return's state does not allow it. `errors` lists each "
    "problem with its line and measure (the same messages as the web form and the spreadsheet).",
    examples=[
        OpenApiExample(
            "Line errors",
            value={
                "detail": "Line 2 (NT2): A percentage must be between 0 and 100.",
                "errors": [
                    {
                        "line": 2,
                        "measure": "NT2",
                        "field": "quantity",
                        "message": "A percentage must be between 0 and 100.",
                    }
                ],
            },
        ),
        OpenApiExample(
            "State",
            value={"detail": "Add at least one measure before submitting.", "errors": []},
        ),
    ],
)
UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="No valid token or session. Send `Authorization: Token <key>`."
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="You can see this but may not do it (for example a reporter approving, or a commissioner "
    "submitting). Also a session request without its CSRF token.",
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such return among those you may see.")
CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="Someone saved the return after the `revision` you sent; nothing was changed. "
    "Fetch the return again, reapply your changes, and send its new revision.",
)


# --- representation ------------------------------------------------------------------------


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug"]


class ContractRefSerializer(serializers.ModelSerializer):
    commissioner = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "reference", "title", "commissioner"]


class ReturnLineSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code", help_text="The measure code, like NT14.")
    measure_title = serializers.CharField(source="measure.title")
    unit = serializers.CharField(source="measure.unit")
    value_kind = serializers.CharField(source="measure.value_kind", help_text="number, money, percentage or yes_no.")
    quantity = serializers.SerializerMethodField(
        help_text="A decimal as text (yes/no measures: 1 for yes, 0 for no)."
    )
    flag = serializers.CharField(help_text="Why a reviewer should look twice (set by the portal), or empty.")

    class Meta:
        model = ReturnLine
        fields = ["measure", "measure_title", "unit", "value_kind", "quantity", "narrative", "flag"]

    def get_quantity(self, line) -> str:
        return f"{line.quantity.normalize():f}"


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This return in the API (GET; PUT or PATCH to save its lines).")
    web = serializers.URLField(help_text="This return in the portal.")
    submit = serializers.URLField(allow_null=True, help_text="Present when you may submit it now.")
    approve = serializers.URLField(allow_null=True, help_text="Present when you may approve it now.")
    request_changes = serializers.URLField(allow_null=True, help_text="Present when you may send it back now.")
    amend = serializers.URLField(allow_null=True, help_text="Present when you may start an amendment now.")


class ReturnSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    contract = ContractRefSerializer(read_only=True, allow_null=True, help_text="Null for an organisation-wide return.")
    quarter = serializers.SerializerMethodField(help_text="The financial quarter, like 2025/26 Q1 (April–June 2025).")
    year = serializers.IntegerField(read_only=True, help_text="The financial year's start year: 2025 is 2025/26.")
    quarter_number = serializers.IntegerField(source="quarter", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_editable = serializers.BooleanField(read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)
    submitted_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Return
        fields = [
            "id", "organisation", "contract", "quarter", "year", "quarter_number", "status", "status_display",
            "revision", "is_editable", "amendment_of", "attested", "lines", "created_at", "updated_at",
            "submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "review_comment", "links",
        ]
        read_only_fields = fields

    def get_quarter(self, ret) -> str:
        return str(ret.period)

    def get_submitted_by(self, ret) -> str | None:
        return ret.submitted_by.full_name if ret.submitted_by_id else None

    def get_reviewed_by(self, ret) -> str | None:
        return ret.reviewed_by.full_name if ret.reviewed_by_id else None

    @extend_schema_field(LinksSerializer)
    def get_links(self, ret):
        request = self.context["request"]
        allowed = allowed_actions(request.user, ret, self.context.get("roles"))

        def url(name):
            return reverse(name, args=[ret.pk], request=request) if name else None

        return {
            "self": url("return-detail"),
            "web": request.build_absolute_uri(django_reverse("toms:return-detail", args=[ret.pk])),
            "submit": url("return-submit") if "submit" in allowed else None,
            "approve": url("return-approve") if "approve" in allowed else None,
            "request_changes": url("return-request-changes") if "request_changes" in allowed else None,
            "amend": url("return-amend") if "amend" in allowed else None,
        }


def roles_by_organisation(user):
    roles = {}
    for organisation_id, role in Membership.objects.filter(user=user).values_list("organisation_id", "role"):
        roles.setdefault(organisation_id, set()).add(role)
    return roles


def allowed_actions(user, ret, roles=None):
    """The actions this person could take on the return now: a hint for clients (the links).

    It mirrors ``return_services.can_report`` / ``can_review`` from one query of the person's
    memberships, so that a list does not cost queries per return; the services still decide.
    """
    roles = roles if roles is not None else roles_by_organisation(user)
    reports = bool(roles.get(ret.organisation_id, set()) & REPORTING_ROLES)
    if ret.contract_id is None:
        reviews = user.is_icb_admin
    else:
        reviews = bool(roles.get(ret.contract.commissioner_id, set()) & COMMISSIONING_ROLES)
    allowed = set()
    if reports and ret.status in EDITABLE_RETURN_STATUSES:
        allowed |= {"save", "submit"}
    if reviews and ret.status == ReturnStatus.SUBMITTED:
        allowed |= {"approve", "request_changes"}
    if reports and ret.status == ReturnStatus.APPROVED:
        allowed.add("amend")
    return allowed


# --- requests -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": "The quantity in the measure's unit: a number or text such as \"1,250.50\"; "
        "for yes/no measures true/false or \"yes\"/\"no\".",
        "example": "40",
    }
)
class QuantityField(serializers.Field):
    """A quantity as sent; the services parse it, so the messages match the web form's."""

    default_error_messages = {"invalid": "Give the quantity as a number or as text, like \"40\" or \"1,250.50\"."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return "yes" if data else "no"
        if isinstance(data, int | float):
            return repr(data) if isinstance(data, float) else str(data)
        if isinstance(data, str):
            return data
        self.fail("invalid")
        return None

    def to_representation(self, value):
        return value


class LineInputSerializer(serializers.Serializer):
    measure = serializers.CharField(
        allow_blank=True, max_length=20, help_text="The measure code, like NT14.",
        error_messages={"required": "Give the measure code, like NT14."},
    )
    quantity = QuantityField(required=False, allow_null=True, default="")
    narrative = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="", trim_whitespace=False,
        help_text="What was delivered, and for whom (at most 4,000 characters).",
    )


class ReturnLinesSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        min_value=1, help_text="The return's revision you started from (from the last GET or save)."
    )
    lines = LineInputSerializer(
        many=True, max_length=500, help_text="Every line of the return: they replace the lines saved before."
    )

    # PATCH replaces every line like PUT, so both fields stay required; never partial (this also
    # stops drf-spectacular documenting a "Patched" variant with optional fields).
    @property
    def partial(self):
        return False

    @partial.setter
    def partial(self, value):
        pass


class ReturnCreateSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        help_text="The id of your organisation that reports.",
        error_messages={"does_not_exist": "There is no organisation {pk_value} among yours."},
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of the contract reported on (your organisation is its supplier); "
        "omit or null for organisation-wide social value.",
        error_messages={"does_not_exist": "There is no contract {pk_value} among those you can see."},
    )
    quarter = serializers.CharField(help_text="The financial quarter, like 2025/26 Q1.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            self.fields["organisation"].queryset = Organisation.objects.for_user(user)
            self.fields["contract"].queryset = Contract.objects.for_user(user)

    def validate_quarter(self, value):
        try:
            return Quarter.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class SubmitSerializer(serializers.Serializer):
    attested = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Must be true: the figures relate only to this contract (or organisation) and quarter, "
        "and are not counted in another return.",
    )
    revision = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Optional: the revision you checked; a stale one answers 409.",
    )


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False,
        help_text="To the reporter (at most 4,000 characters). Required when requesting changes.",
    )


# --- filters --------------------------------------------------------------------------------


class _FinancialYearField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_financial_year(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class _QuarterField(forms.CharField):
    """'2025/26 Q1' (a whole quarter) or 1–4 / 'Q1' (a quarter number, in any year)."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        text = value.strip().upper().removeprefix("Q")
        if text in {"1", "2", "3", "4"}:
            return int(text)
        try:
            return Quarter.parse(value)
        except ValueError:
            raise forms.ValidationError(
                f"'{value}' is not a quarter; write it like 2025/26 Q1, or 1 to 4."
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class FinancialYearFilter(filters.Filter):
    field_class = _FinancialYearField


@extend_schema_field(OpenApiTypes.STR)
class QuarterFilter(filters.Filter):
    field_class = _QuarterField


class ReturnFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReturnStatus.choices)
    year = FinancialYearFilter(
        field_name="year", label="Financial year, like 2025/26 (or its start year, 2025)."
    )
    quarter = QuarterFilter(method="filter_quarter", label="A quarter like 2025/26 Q1, or a quarter number 1 to 4.")
    contract = filters.NumberFilter(field_name="contract_id", label="Contract id.")
    organisation = filters.NumberFilter(field_name="organisation_id", label="Reporting organisation id.")
    organisation_wide = filters.BooleanFilter(
        field_name="contract", lookup_expr="isnull", label="true: only organisation-wide returns (no contract)."
    )

    class Meta:
        model = Return
        fields = ["status", "year", "quarter", "contract", "organisation", "organisation_wide"]

    def filter_quarter(self, queryset, name, value):
        if value is None:
            return queryset
        if isinstance(value, Quarter):
            return queryset.in_quarter(value)
        return queryset.filter(quarter=value)


# --- the viewset ----------------------------------------------------------------------------


def _refusal(exc, *, permitted, current_revision=None):
    """The response for a ReturnError from a service (see the module docstring)."""
    if isinstance(exc, rs.StaleReturnError):
        return error_response(status.HTTP_409_CONFLICT, str(exc), revision=current_revision)
    if isinstance(exc, rs.ReturnValidationError):
        return validation_error_response(exc)
    if not permitted:
        return error_response(status.HTTP_403_FORBIDDEN, str(exc))
    return error_response(status.HTTP_400_BAD_REQUEST, str(exc), [])


LIST_ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="A filter's value is not valid; `errors` names it."),
    401: UNAUTHENTICATED,
}


class FilterErrorsMixin:
    """Answer a list request with an invalid filter value in the shape of every other 400."""

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        except serializers.ValidationError as exc:
            return filter_error_response(exc)
_ACT_ERRORS = {400: BAD_REQUEST, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}


@extend_schema_view(
    list=extend_schema(
        summary="List returns",
        description="The returns you may see: your organisations' own, those on contracts your organisation "
        "commissions, or all of them for the ICB. Newest quarter first.",
        responses={200: ReturnSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a return",
        description="A return with its lines, status, revision, review and the actions open to you (`links`).",
        responses={200: ReturnSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    ),
)
class ReturnViewSet(FilterErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly returns: draft, fill in, submit, review."""

    serializer_class = ReturnSerializer
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    filterset_class = ReturnFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Return.objects.for_user(self.request.user)
            .select_related("organisation", "contract__commissioner", "submitted_by", "reviewed_by")
            .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("measure")))
            .order_by("-year", "-quarter", "organisation__name", "pk")
        )

    def get_serializer_class(self):
        return {
            "create": ReturnCreateSerializer,
            "update": ReturnLinesSerializer,
            "partial_update": ReturnLinesSerializer,
            "submit": SubmitSerializer,
            "approve": ReviewSerializer,
            "request_changes": ReviewSerializer,
        }.get(self.action, ReturnSerializer)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            if not hasattr(self, "_roles"):
                self._roles = roles_by_organisation(user)
            context["roles"] = self._roles
        return context

    def _represent(self, ret, http_status=status.HTTP_200_OK):
        try:
            fresh = self.get_queryset().get(pk=ret.pk)
        except Return.DoesNotExist:
            raise Http404 from None
        data = ReturnSerializer(fresh, context=self.get_serializer_context()).data
        headers = {"Location": data["links"]["self"]} if http_status == status.HTTP_201_CREATED else {}
        return Response(data, status=http_status, headers=headers)

    def _input(self):
        serializer = self.get_serializer(data=self.request.data)
        if not serializer.is_valid():
            return None, invalid_request(serializer)
        return serializer.validated_data, None

    # -- create ------------------------------------------------------------------------------

    @extend_schema(
        summary="Start a return",
        description="Start the draft return for one of your organisations, a quarter and optionally a contract "
        "your organisation supplies. If a return for them is already open (draft, submitted or sent back), "
        "that one is returned with 200 instead of 201. An organisation or contract you cannot see is "
        "refused with 400, like one that does not exist; one you can see but may not report for with 403.",
        request=ReturnCreateSerializer,
        responses={
            201: OpenApiResponse(ReturnSerializer, description="A new draft."),
            200: OpenApiResponse(ReturnSerializer, description="The return already open for them."),
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        },
        examples=[
            OpenApiExample(
                "Contract return", value={"organisation": 12, "contract": 34, "quarter": "2025/26 Q1"},
                request_only=True,
            )
        ],
    )
    def create(self, request):
        data, problem = self._input()
        if problem:
            return problem
        organisation, contract, quarter = data["organisation"], data["contract"], data["quarter"]
        try:
            ret, created = rs.start_or_get_return(request.user, organisation, quarter, contract)
        except rs.ReturnError as exc:
            return _refusal(exc, permitted=rs.can_report(request.user, organisation))
        return self._represent(ret, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # -- save the lines ----------------------------------------------------------------------

    _save_schema = {
        "summary": "Save the lines of a draft",
        "description": "Replace the return's lines with `lines` (all or nothing) and bump its revision. "
        "`revision` is the one you started from: if someone saved since, nothing changes and the answer is "
        "409. Every invalid line is reported at once (400), naming its line and measure. PUT and PATCH are "
        "the same: both replace every line and both need `revision` and `lines`.",
        "request": ReturnLinesSerializer,
        "responses": {200: ReturnSerializer, **_ACT_ERRORS, 409: CONFLICT},
        "examples": [
            OpenApiExample(
                "Two lines",
                value={
                    "revision": 1,
                    "lines": [
                        {"measure": "NT1", "quantity": "2", "narrative": "Two local hires"},
                        {"measure": "NT17", "quantity": 40, "narrative": "Beach clean"},
                    ],
                },
                request_only=True,
            )
        ],
    }

    @extend_schema(**_save_schema)
    def update(self, request, pk=None):
        return self._save(request)

    @extend_schema(**_save_schema)
    def partial_update(self, request, pk=None):
        return self._save(request)

    def _save(self, request):
        ret = self.get_object()
        data, problem = self._input()
        if problem:
            return problem
        lines = [
            rs.LineInput(measure=line["measure"], quantity=line["quantity"], narrative=line["narrative"] or "")
            for line in data["lines"]
        ]
        try:
            saved = rs.save_draft(ret, request.user, lines, revision=data["revision"])
        except rs.ReturnError as exc:
            return self._refused(exc, ret, permitted=rs.can_report(request.user, ret.organisation))
        return self._represent(saved)

    def _refused(self, exc, ret, *, permitted):
        current = Return.objects.filter(pk=ret.pk).values_list("revision", flat=True).first()
        return _refusal(exc, permitted=permitted, current_revision=current)

    # -- the workflow ------------------------------------------------------------------------

    @extend_schema(
        summary="Submit a return for review",
        description="Send a draft (or a return sent back for changes) to its reviewer: the contract's "
        "commissioner, or the ICB for organisation-wide returns. `attested` must be true. With `revision`, a "
        "return saved since answers 409.",
        request=SubmitSerializer,
        responses={200: ReturnSerializer, **_ACT_ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        ret = self.get_object()
        data, problem = self._input()
        if problem:
            return problem
        try:
            done = rs.submit(ret, request.user, attested=data["attested"], revision=data["revision"])
        except rs.ReturnError as exc:
            return self._refused(exc, ret, permitted=rs.can_report(request.user, ret.organisation))
        return self._represent(done)

    @extend_schema(
        summary="Approve a submitted return",
        description="For the contract's commissioner (or an ICB admin, for organisation-wide returns). "
        "An approved return is never changed again; corrections are amendments.",
        request=ReviewSerializer,
        responses={200: ReturnSerializer, **_ACT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        ret = self.get_object()
        data, problem = self._input()
        if problem:
            return problem
        try:
            done = rs.approve(ret, request.user, data["comment"])
        except rs.ReturnError as exc:
            return self._refused(exc, ret, permitted=rs.can_review(request.user, ret))
        return self._represent(done)

    @extend_schema(
        summary="Send a submitted return back for changes",
        description="For the contract's commissioner (or an ICB admin, for organisation-wide returns); "
        "`comment` says what needs to change and is required.",
        request=ReviewSerializer,
        responses={200: ReturnSerializer, **_ACT_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        ret = self.get_object()
        data, problem = self._input()
        if problem:
            return problem
        try:
            done = rs.request_changes(ret, request.user, data["comment"])
        except rs.ReturnError as exc:
            return self._refused(exc, ret, permitted=rs.can_review(request.user, ret))
        return self._represent(done)

    @extend_schema(
        summary="Amend an approved return",
        description="Start a correction of an approved return: a new draft with a copy of its lines, which is "
        "reviewed again and replaces the original once approved. If an amendment is already open, that one "
        "is returned with 200.",
        request=None,
        responses={
            201: OpenApiResponse(ReturnSerializer, description="The new amendment (a draft)."),
            200: OpenApiResponse(ReturnSerializer, description="The amendment already open."),
            **_ACT_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        ret = self.get_object()
        open_before = set(
            Return.objects.filter(amendment_of=ret, status__in=OPEN_RETURN_STATUSES).values_list("pk", flat=True)
        )
        try:
            amendment = rs.amend(ret, request.user)
        except rs.ReturnError as exc:
            return self._refused(exc, ret, permitted=rs.can_report(request.user, ret.organisation))
        return self._represent(
            amendment, status.HTTP_200_OK if amendment.pk in open_before else status.HTTP_201_CREATED
        )
