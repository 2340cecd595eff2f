"""The Partner VCFSE API: /api/v1/partner-commitments/ (the commitment, its targets and progress;
readable by the organisation and the ICB, writable by the organisation's admins) and
/api/v1/return-line-recipients/{line id}/ (the VCFSE organisations named on a return line).

Reads are scoped with ``for_user``: anything else answers 404; someone who may see but not act
gets 403. The rules are those of the web pages (commitments.services.vcfse); a refusal is a 400
``{"detail", "errors"}`` whose error names the field.
"""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from charter.models import Organisation
from commitments.api.recipients import RecipientSerializer
from commitments.api.serializers import OrganisationRefSerializer
from commitments.models import (
    Baseline,
    BaselineMethod,
    OpportunityKind,
    PartnerCommitment,
    ReturnLine,
    Target,
)
from commitments.services import vcfse as vs
from commitments.vcfse_progress import COUNTING_RULE, PROJECTION_METHOD, progress
from common.api import API_AUTHENTICATION, ErrorSerializer, ValidationErrorSerializer, error_response
from toms.models import Measure
from toms.periods import parse_financial_year


def _text(value):
    return None if value is None else f"{value.normalize():f}"


def refusal(exc):
    return error_response(
        status.HTTP_400_BAD_REQUEST, str(exc),
        [{"line": None, "measure": None, "field": exc.field or "non_field", "message": str(exc)}],
    )


ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Refused; the error names the field."),
    401: OpenApiResponse(ErrorSerializer, description="No valid token or session."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not change it (not an admin)."),
    404: OpenApiResponse(ErrorSerializer, description="No such thing that you may see."),
}

# --- representation ------------------------------------------------------------------------


class BaselineSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code")
    unit = serializers.CharField(source="measure.unit")
    value = serializers.SerializerMethodField(help_text="A decimal as text.")
    proposed = serializers.SerializerMethodField(help_text="What the approved returns summed to, or null.")

    class Meta:
        model = Baseline
        fields = ["measure", "unit", "value", "method", "how", "proposed", "reason"]

    def get_value(self, b) -> str:
        return _text(b.value)

    def get_proposed(self, b) -> str | None:
        return _text(b.proposed)


class TargetSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code")
    financial_year = serializers.CharField(source="year_label", help_text="Like 2026/27.")
    value = serializers.SerializerMethodField(help_text="A decimal as text.")

    class Meta:
        model = Target
        fields = ["measure", "financial_year", "value", "reason", "set_at"]

    def get_value(self, t) -> str:
        return _text(t.value)


class PartnerCommitmentSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    baseline_year = serializers.CharField(source="baseline_label", help_text="Like 2024/25.")
    baselines = BaselineSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    progress_url = serializers.SerializerMethodField()

    class Meta:
        model = PartnerCommitment
        fields = [
            "id", "organisation", "baseline_year", "opportunity_kinds", "opportunities", "public_figures",
            "baselines", "targets", "created_at", "updated_at", "progress_url",
        ]

    def get_progress_url(self, c) -> str:
        return reverse("partner-commitment-progress", args=[c.pk], request=self.context.get("request"))


class BaselineInputSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="NT14, NT15, NT16 or NT17.")
    value = serializers.CharField(help_text="A non-negative decimal in the measure's unit.")
    method = serializers.ChoiceField(choices=BaselineMethod.choices)
    how = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000,
        help_text="Needed when the value differs from the approved returns for the baseline year.",
    )


class TargetInputSerializer(serializers.Serializer):
    measure = serializers.CharField()
    financial_year = serializers.CharField(help_text="Like 2026/27.")
    value = serializers.CharField()


class CommitmentCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="The id of an organisation you are an admin of.")
    baseline_year = serializers.CharField(help_text="Like 2024/25; not a year that has not started.")
    baselines = BaselineInputSerializer(many=True, required=False)
    targets = TargetInputSerializer(
        many=True, required=False, help_text="At least the three financial years after the baseline, per measure."
    )
    opportunity_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=OpportunityKind.choices), required=False
    )
    opportunities = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    public_figures = serializers.BooleanField(required=False, default=False)
    confirm_large = serializers.BooleanField(
        required=False, default=False, help_text="Confirm targets more than ten times the baseline."
    )


class CommitmentUpdateSerializer(serializers.Serializer):
    opportunity_kinds = serializers.ListField(child=serializers.ChoiceField(choices=OpportunityKind.choices))
    opportunities = serializers.CharField(allow_blank=True, max_length=4000)
    public_figures = serializers.BooleanField()


class ReviseSerializer(serializers.Serializer):
    measure = serializers.CharField()
    financial_year = serializers.CharField(help_text="Like 2026/27.")
    value = serializers.CharField()
    reason = serializers.CharField(max_length=2000)
    confirm_large = serializers.BooleanField(required=False, default=False)


class ProgressYearSerializer(serializers.Serializer):
    financial_year = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    delivered = serializers.CharField(help_text="Counted: approved returns, minus recipients outside C&M.")
    percent = serializers.CharField(allow_null=True)
    on_contracts = serializers.CharField()
    confirmed = serializers.CharField()
    unconfirmed = serializers.CharField()
    disputed = serializers.CharField()
    unnamed = serializers.CharField()
    outside_cm = serializers.CharField()
    quarters = serializers.DictField(child=serializers.CharField())
    projected = serializers.CharField(allow_null=True)
    social_value = serializers.CharField(allow_null=True, help_text="£ proxy estimate of the counted delivery.")


class ProgressMeasureSerializer(serializers.Serializer):
    measure = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.CharField()
    years = ProgressYearSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    counting = serializers.CharField()
    projection = serializers.CharField()
    measures = ProgressMeasureSerializer(many=True)


def progress_data(commitment):
    measures = []
    for row in progress(commitment):
        years = []
        for y in row.years:
            d = y.delivery
            years.append(
                {
                    "financial_year": y.label, "target": _text(y.target), "delivered": _text(d.counted),
                    "percent": _text(y.percent), "on_contracts": _text(d.on_contracts),
                    "confirmed": _text(d.confirmed), "unconfirmed": _text(d.unconfirmed),
                    "disputed": _text(d.disputed), "unnamed": _text(d.unnamed), "outside_cm": _text(d.outside),
                    "quarters": {f"Q{q}": _text(v) for q, v in sorted(d.quarters.items())},
                    "projected": _text(y.projected), "social_value": _text(y.social_value),
                }
            )
        measures.append(
            {"measure": row.measure.code, "unit": row.measure.unit, "baseline": _text(row.baseline.value), "years": years}
        )
    return {"counting": COUNTING_RULE, "projection": PROJECTION_METHOD, "measures": measures}


# --- the commitments -----------------------------------------------------------------------


def _year(text, field):
    try:
        return parse_financial_year(text)
    except ValueError as exc:
        raise vs.CommitmentError(str(exc), field) from None


@extend_schema_view(
    list=extend_schema(summary="Partner VCFSE commitments you may see", responses={200: PartnerCommitmentSerializer(many=True)}),
    retrieve=extend_schema(summary="A commitment", responses={200: PartnerCommitmentSerializer, **ERRORS}),
    create=extend_schema(
        summary="Make your organisation's commitment", request=CommitmentCreateSerializer,
        responses={201: PartnerCommitmentSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change the opportunities and whether figures are public", request=CommitmentUpdateSerializer,
        responses={200: PartnerCommitmentSerializer, **ERRORS},
    ),
)
class PartnerCommitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The Partner VCFSE commitment: baselines, targets (revisions kept) and progress from approved returns."""

    serializer_class = PartnerCommitmentSerializer
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            PartnerCommitment.objects.for_user(self.request.user)
            .select_related("organisation")
            .prefetch_related("baselines__measure", "targets__measure")
            .order_by("organisation__name", "pk")
        )

    def _represent(self, commitment, http_status=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=commitment.pk)
        return Response(PartnerCommitmentSerializer(fresh, context=self.get_serializer_context()).data, status=http_status)

    def _admin_only(self, commitment):
        if not vs.can_manage(self.request.user, commitment.organisation):
            return error_response(status.HTTP_403_FORBIDDEN, "Only the organisation's admins can change its commitment.")
        return None

    def create(self, request, *args, **kwargs):
        data = CommitmentCreateSerializer(data=request.data)
        if not data.is_valid():
            return error_response(
                status.HTTP_400_BAD_REQUEST, "The request is not valid.",
                [{"line": None, "measure": None, "field": f, "message": str(m[0] if isinstance(m, list) else m)}
                 for f, m in data.errors.items()],
            )
        d = data.validated_data
        organisation = Organisation.objects.for_user(request.user).filter(pk=d["organisation"]).first()
        if organisation is None:
            raise Http404("No such organisation.")
        if not vs.can_manage(request.user, organisation):
            return error_response(status.HTTP_403_FORBIDDEN, "Only the organisation's admins can make its commitment.")
        try:
            baselines = {b["measure"].upper(): dict(b) for b in d.get("baselines", [])}
            targets = {}
            for t in d.get("targets", []):
                year = _year(t["financial_year"], "targets")
                targets.setdefault(t["measure"].upper(), {})[year] = t["value"]
            if vs.measures_asked(organisation) is None:
                unknown = [c for c in baselines if c not in vs.VCFSE_CODES]
            else:
                unknown = [c for c in baselines if c not in [m.code for m in vs.measures_asked(organisation)]]
            if unknown:
                raise vs.CommitmentError(f"{', '.join(unknown)} is not asked of this organisation.", "baselines")
            commitment = vs.make_commitment(
                request.user, organisation, baseline_year=_year(d["baseline_year"], "baseline_year"),
                baselines=baselines, targets=targets, opportunity_kinds=d.get("opportunity_kinds", []),
                opportunities=d.get("opportunities", ""), public_figures=d["public_figures"],
                confirm_large=d["confirm_large"],
            )
        except vs.CommitmentError as exc:
            return refusal(exc)
        return self._represent(commitment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        commitment = self.get_object()
        refused = self._admin_only(commitment)
        if refused:
            return refused
        data = CommitmentUpdateSerializer(
            data={
                "opportunity_kinds": request.data.get("opportunity_kinds", commitment.opportunity_kinds),
                "opportunities": request.data.get("opportunities", commitment.opportunities),
                "public_figures": request.data.get("public_figures", commitment.public_figures),
            }
        )
        if not data.is_valid():
            field, messages = next(iter(data.errors.items()))
            return refusal(vs.CommitmentError(f"{field}: {messages[0] if isinstance(messages, list) else messages}", field))
        try:
            vs.update_commitment(request.user, commitment, **data.validated_data)
        except vs.CommitmentError as exc:
            return refusal(exc)
        return self._represent(commitment)

    @extend_schema(
        summary="Set or revise one year's target, with a reason (kept in its history)",
        request=ReviseSerializer, responses={200: PartnerCommitmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def targets(self, request, pk=None):
        commitment = self.get_object()
        refused = self._admin_only(commitment)
        if refused:
            return refused
        data = ReviseSerializer(data=request.data)
        if not data.is_valid():
            field, messages = next(iter(data.errors.items()))
            return refusal(vs.CommitmentError(f"{field}: {messages[0]}", field))
        d = data.validated_data
        try:
            measure = Measure.objects.partner_vcfse().filter(code__iexact=d["measure"].strip()).first()
            if measure is None:
                raise vs.CommitmentError("Give a Partner VCFSE measure: NT14, NT15, NT16 or NT17.", "measure")
            vs.revise_target(
                request.user, commitment, measure, _year(d["financial_year"], "financial_year"), d["value"],
                d["reason"], confirm_large=d["confirm_large"],
            )
        except vs.CommitmentError as exc:
            return refusal(exc)
        return self._represent(commitment)

    @extend_schema(summary="Progress against the targets, from approved returns", responses={200: ProgressSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        return Response(progress_data(self.get_object()))


# --- recipients on return lines ------------------------------------------------------------


class RecipientInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False, allow_null=True, help_text="A VCFSE organisation's id.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="If not on the portal.")
    charity_number = serializers.CharField(required=False, allow_blank=True, max_length=12)
    place = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text="If not on the portal: one of the nine places (like wirral) or outside.",
    )
    amount = serializers.CharField()


class RecipientsSerializer(serializers.Serializer):
    recipients = RecipientInputSerializer(many=True, max_length=200, help_text="They replace those named before.")


@extend_schema_view(
    retrieve=extend_schema(summary="The VCFSE recipients named on a return line", responses={200: RecipientSerializer(many=True), **ERRORS}),
    update=extend_schema(
        summary="Name the VCFSE recipients of a Partner VCFSE line (draft returns)", request=RecipientsSerializer,
        responses={200: RecipientSerializer(many=True), **ERRORS},
    ),
)
class ReturnLineRecipientsViewSet(viewsets.GenericViewSet):
    """Recipients of a return line's NT14–NT17 figure; the line id is in the returns API."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = RecipientSerializer
    http_method_names = ["get", "put", "head", "options"]
    pagination_class = None  # a line's recipients come whole, as a list (and the schema says so)

    def get_queryset(self):
        from commitments.models import Return

        return ReturnLine.objects.filter(
            return_obj__in=Return.objects.for_user(self.request.user).values("pk"), measure__is_partner_vcfse=True
        ).select_related("measure", "return_obj__organisation")

    def _list(self, line):
        recipients = line.recipients.select_related("organisation").order_by("pk")
        return Response(RecipientSerializer(recipients, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None):
        return self._list(self.get_object())

    def update(self, request, pk=None):
        line = self.get_object()
        from commitments.services.returns import can_report

        if not can_report(request.user, line.return_obj.organisation):
            return error_response(status.HTTP_403_FORBIDDEN, "Only the organisation's admins and reporters can name recipients.")
        data = RecipientsSerializer(data=request.data)
        if not data.is_valid():
            return error_response(status.HTTP_400_BAD_REQUEST, "The request is not valid.", [
                {"line": None, "measure": line.measure.code, "field": "recipients", "message": str(data.errors)}
            ])
        entries = []
        for number, entry in enumerate(data.validated_data["recipients"], start=1):
            organisation = None
            if entry.get("organisation"):
                organisation = Organisation.objects.filter(pk=entry["organisation"]).first()
                if organisation is None:
                    return refusal(vs.CommitmentError(f"Recipient {number}: no organisation {entry['organisation']}.", "organisation"))
            entries.append({**entry, "organisation": organisation})
        try:
            with transaction.atomic():
                vs.set_recipients(request.user, line, entries)
        except vs.CommitmentError as exc:
            return refusal(exc)
        return self._list(line)

