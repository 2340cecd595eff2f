"""The quarterly returns API: /api/v1/returns/.

Every change goes through ``commitments.services.returns`` (the same rules, messages and history as the
web form and the spreadsheet upload); this module only translates HTTP to those calls and back.

Who sees what: the queryset is always ``Return.objects.for_user(request.user)``, so a return a
person may not see answers 404, whatever the method. How refusals map to status codes:

- 400: the request is wrong or the return's state does not allow it (a validation error, a
  draft with no lines, approving a draft...). The body is ``{"detail", "errors"}``; each error
  names the line (1-based, null when the error is not about a line), the measure code, the field
  and the message. Line errors carry exactly the services' messages.
- 403: the person can see the return (or the organisation) but may not do this to it, for
  example a reporter approving, a commissioner submitting, an ICB analyst reviewing, a viewer
  editing, or anyone reviewing a return they submitted or last saved (nobody reviews their own
  work). The body is ``{"detail"}`` with the services' message.
- 404: the return is not one the person may see.
- 409: the return was saved by someone else since the ``revision`` the client sent; nothing was
  changed. The body is ``{"detail", "revision"}`` with the current revision.
"""

from django.db.models import Prefetch
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from commitments.api.serializers import (
    ReturnCreateSerializer,
    ReturnLinesSerializer,
    ReturnSerializer,
    ReviewSerializer,
    SubmitSerializer,
    roles_by_organisation,
)
from commitments.models import Return, ReturnLine, ReturnLineRecipient, ReturnStatus
from commitments.models.returns import OPEN_RETURN_STATUSES
from commitments.services import returns as rs
from common.api import (
    API_AUTHENTICATION,
    ConflictSerializer,
    ErrorSerializer,
    FilterErrorsMixin,
    ValidationErrorSerializer,
    error_response,
    invalid_request,
    validation_error_response,
)
from toms.filters import FinancialYearFilter, IdFilter, QuarterOrNumberFilter
from toms.periods import Quarter

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
    description="You can see this but may not do it (for example a reporter approving, a commissioner "
    "submitting, or a reviewer approving a return they submitted or last saved). Also a session request "
    "without its CSRF token.",
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such return among those you may see.")
CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="Someone saved the return after the `revision` you sent; nothing was changed. "
    "Fetch the return again, reapply your changes, and send its new revision.",
)


# --- filters --------------------------------------------------------------------------------


class ReturnFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReturnStatus.choices)
    year = FinancialYearFilter(
        field_name="year", label="Financial year, like 2025/26 (or its start year, 2025)."
    )
    quarter = QuarterOrNumberFilter(method="filter_quarter", label="A quarter like 2025/26 Q1, or a quarter number 1 to 4.")
    contract = IdFilter(field_name="contract_id", label="Contract id.")
    organisation = IdFilter(field_name="organisation_id", label="Reporting organisation id.")
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
            .prefetch_related(
                Prefetch("lines", queryset=ReturnLine.objects.select_related("measure")),
                Prefetch("lines__recipients", queryset=ReturnLineRecipient.objects.select_related("organisation")),
            )
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
        return self._review(request, rs.approve)

    @extend_schema(
        summary="Send a submitted return back for changes",
        description="For the contract's commissioner (or an ICB admin, for organisation-wide returns); "
        "`comment` says what needs to change and is required.",
        request=ReviewSerializer,
        responses={200: ReturnSerializer, **_ACT_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._review(request, rs.request_changes)

    def _review(self, request, decide):
        """Approve or send back: the same input, refusals and answer for both decisions."""
        ret = self.get_object()
        data, problem = self._input()
        if problem:
            return problem
        try:
            done = decide(ret, request.user, data["comment"])
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
