"""The contracts API: /api/v1/contracts/.

Reads are scoped with ``Contract.objects.for_user``: the contracts one of your organisations
commissions or supplies (all of them for the ICB); any other answers 404. Commissioners record
contracts with their TOM commitments through ``commitments.services.contracts.record_contract``.
Errors have the shape of the returns API (see ``commitments.api.returns``): 400 ``{"detail", "errors"}``,
403/404 ``{"detail"}``.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.urls import reverse as django_reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from charter.models import COMMISSIONING_ROLES, Membership, Organisation, Place
from commitments.api.returns import BAD_REQUEST, LIST_ERRORS, UNAUTHENTICATED
from commitments.api.serializers import OrganisationRefSerializer
from commitments.models import Commitment, Contract
from commitments.services.contracts import ContractError, SupplierKeptError, record_contract, update_contract
from common.api import API_AUTHENTICATION, ErrorSerializer, FilterErrorsMixin, describe, error_response, invalid_request
from toms.codes import CodeError, parse_measure_code
from toms.filters import IdFilter, QuarterFilter
from toms.models import Measure
from toms.periods import financial_year_label, parse_financial_year
from toms.quantities import QuantityError, read_decimal

# --- representation ------------------------------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code", help_text="The measure code, like NT14.")
    measure_title = serializers.CharField(source="measure.title")
    unit = serializers.CharField(source="measure.unit")
    financial_year = serializers.SerializerMethodField(
        help_text="The financial year the target is for, like 2025/26; null for the whole contract."
    )

    class Meta:
        model = Commitment
        fields = ["measure", "measure_title", "unit", "target_quantity", "financial_year"]

    def get_financial_year(self, commitment) -> str | None:
        return financial_year_label(commitment.financial_year) if commitment.financial_year else None


class ContractLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    web = serializers.URLField(help_text="The contract in the portal.")
    returns = serializers.URLField(help_text="The returns on this contract you may see, in the API.")


class ContractSerializer(serializers.ModelSerializer):
    commissioner = OrganisationRefSerializer(read_only=True)
    supplier = OrganisationRefSerializer(read_only=True)
    places_served = serializers.ListField(child=serializers.ChoiceField(choices=Place.choices), read_only=True)
    commitments = CommitmentSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id", "reference", "title", "commissioner", "supplier", "value", "start_date", "end_date",
            "places_served", "commitments", "created_at", "updated_at", "links",
        ]
        read_only_fields = fields

    @extend_schema_field(ContractLinksSerializer)
    def get_links(self, contract):
        request = self.context["request"]
        return {
            "self": reverse("contract-detail", args=[contract.pk], request=request),
            "web": request.build_absolute_uri(django_reverse("commitments:contract-detail", args=[contract.pk])),
            "returns": reverse("return-list", request=request) + f"?contract={contract.pk}",
        }


# --- requests -------------------------------------------------------------------------------


class MeasureCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Measure.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        codes = [m.code for m in self.get_queryset().only("code")]
        try:  # read as everywhere: "NT 1", "nt01", "NT1 - local employees"
            code = parse_measure_code(str(data), codes)
        except CodeError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(code)


class TargetField(serializers.DecimalField):
    """A target as a number or text, read as every figure is (toms.quantities): "1_000",
    "1,2,3" and digits other than 0 to 9 are refused, where Decimal() would take them."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        try:
            value = read_decimal(data, value_kind=None, unit="", what="give the target as a number, like 40")
        except QuantityError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(f"{value:f}")


class CommitmentInputSerializer(serializers.Serializer):
    default_error_messages = {
        "null": "Give each commitment as an object with its measure and target_quantity, not null.",
        "invalid": "Give each commitment as an object with its measure and target_quantity.",
    }
    measure = MeasureCodeField(
        help_text="The measure code, like NT14.",
        error_messages={"does_not_exist": "There is no measure '{value}' in the framework."},
    )
    target_quantity = TargetField(max_digits=16, decimal_places=4, min_value=0)
    financial_year = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None,
        help_text="Like 2025/26 for a target in that financial year; omit or null for the whole contract.",
    )

    def validate_financial_year(self, value):
        if value in (None, ""):
            return None
        try:
            return parse_financial_year(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class ContractCreateSerializer(serializers.Serializer):
    commissioner = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        help_text="The id of your (public sector) organisation that commissions the contract.",
        error_messages={"does_not_exist": "There is no organisation {pk_value} among yours."},
    )
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text="The id of the supplier organisation.",
        error_messages={"does_not_exist": "There is no organisation {pk_value}."},
    )
    reference = serializers.CharField(max_length=60, help_text="Your contract reference (unique for you).")
    title = serializers.CharField(max_length=200)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, help_text="The contract value in £.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    places_served = serializers.ListField(
        child=serializers.ChoiceField(choices=Place.choices), required=False, default=list
    )
    commitments = CommitmentInputSerializer(
        many=True, required=False, default=list, max_length=500,
        help_text="The TOM commitments made at tender: a measure's target over the contract or for one year.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            self.fields["commissioner"].queryset = Organisation.objects.for_user(user)

    def validate_commitments(self, commitments):
        seen, errors = {}, {}
        for index, item in enumerate(commitments):
            key = (item["measure"].pk, item["financial_year"])
            if key in seen:
                when = financial_year_label(key[1]) if key[1] else "the whole contract"
                errors[index] = {
                    "measure": [f"{item['measure'].code} already has a target for {when} on line {seen[key]}."]
                }
            else:
                seen[key] = index + 1
        if errors:
            raise serializers.ValidationError(errors)
        return commitments


class ContractUpdateSerializer(serializers.Serializer):
    """A change to a recorded contract: only the fields sent change. The commissioner never
    changes, and a contract with returns keeps its supplier."""

    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False,
        help_text="The id of the supplier organisation; refused once the contract has returns.",
        error_messages={"does_not_exist": "There is no organisation {pk_value}."},
    )
    reference = serializers.CharField(max_length=60, required=False)
    title = serializers.CharField(max_length=200, required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    places_served = serializers.ListField(child=serializers.ChoiceField(choices=Place.choices), required=False)


def _model_errors(exc):
    """A Django ValidationError from the model as a 400 in the shape of every other."""
    errors = [
        {"line": None, "measure": None, "field": "non_field_errors" if field == "__all__" else field,
         "message": message}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)


# --- filters --------------------------------------------------------------------------------


class ContractFilter(filters.FilterSet):
    role = filters.ChoiceFilter(
        choices=[("commissioner", "commissioner"), ("supplier", "supplier")],
        method="filter_role",
        label="commissioner: contracts your organisations commission; supplier: those they supply.",
    )
    live_in = QuarterFilter(method="filter_live_in", label="Contracts live in a quarter, like 2025/26 Q1.")
    commissioner = IdFilter(field_name="commissioner_id", label="Commissioner organisation id.")
    supplier = IdFilter(field_name="supplier_id", label="Supplier organisation id.")
    reference = filters.CharFilter(field_name="reference", lookup_expr="iexact")

    class Meta:
        model = Contract
        fields = ["role", "live_in", "commissioner", "supplier", "reference"]

    def filter_role(self, queryset, name, value):
        mine = Membership.objects.filter(user=self.request.user)
        if value == "commissioner":
            mine = mine.filter(role__in=COMMISSIONING_ROLES)
            return queryset.filter(commissioner__in=mine.values("organisation_id"))
        return queryset.filter(supplier__in=mine.values("organisation_id"))

    def filter_live_in(self, queryset, name, value):
        return queryset.live_in(value) if value else queryset


# --- the viewset ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List contracts",
        description="Contracts one of your organisations commissions or supplies (all of them for the ICB), "
        "with their TOM commitments.",
        responses={200: ContractSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a contract",
        responses={
            200: ContractSerializer,
            401: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="No such contract among those you may see."),
        },
    ),
)
class ContractViewSet(FilterErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts between a commissioner and a supplier, with the TOM commitments made at tender."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    filterset_class = ContractFilter

    def get_queryset(self):
        return (
            Contract.objects.for_user(self.request.user)
            .select_related("commissioner", "supplier")
            .prefetch_related("commitments__measure")
            .order_by("-start_date", "reference", "pk")
        )

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return {"create": ContractCreateSerializer, "partial_update": ContractUpdateSerializer}.get(
            self.action, ContractSerializer
        )

    @extend_schema(
        summary="Record a contract",
        description="For commissioners (and admins) of a public sector organisation: record a contract with "
        "one of your organisations as commissioner, and its TOM commitments. An organisation that is not yours "
        "is refused with 400; one of yours you may not commission for with 403.",
        request=ContractCreateSerializer,
        responses={
            201: ContractSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(
                ErrorSerializer,
                description="You are not a commissioner of that organisation, or it is not a public sector body.",
            ),
        },
        examples=[
            OpenApiExample(
                "Contract with commitments",
                value={
                    "commissioner": 3,
                    "supplier": 12,
                    "reference": "LCC-2025-014",
                    "title": "Facilities management",
                    "value": "1250000.00",
                    "start_date": "2025-04-01",
                    "end_date": "2028-03-31",
                    "places_served": ["liverpool", "sefton"],
                    "commitments": [
                        {"measure": "NT1", "target_quantity": "12"},
                        {"measure": "NT14", "target_quantity": "25000", "financial_year": "2025/26"},
                    ],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return invalid_request(serializer, list_field="commitments")
        data = dict(serializer.validated_data)
        commitments = [(c["measure"], c["target_quantity"], c["financial_year"]) for c in data.pop("commitments")]
        try:
            contract = record_contract(request.user, commitments=commitments, **data)
        except ContractError as exc:
            return error_response(status.HTTP_403_FORBIDDEN, str(exc))
        except DjangoValidationError as exc:
            return _model_errors(exc)
        except IntegrityError:  # a concurrent request recorded the same reference first
            message = "This commissioner already has a contract with that reference."
            errors = [{"line": None, "measure": None, "field": "reference", "message": message}]
            return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)
        fresh = self.get_queryset().get(pk=contract.pk)
        data = ContractSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["links"]["self"]})

    @extend_schema(
        summary="Change a contract",
        description="For the contract's commissioners: change the fields sent. The commissioner never changes. "
        "A contract with returns keeps its supplier (400 on `supplier`): end it and record a new one.",
        request=ContractUpdateSerializer,
        responses={
            200: ContractSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="You may see the contract but not change it."),
            404: OpenApiResponse(ErrorSerializer, description="No such contract among those you may see."),
        },
    )
    def partial_update(self, request, pk=None):
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            return invalid_request(serializer)
        try:
            contract = update_contract(request.user, contract, **serializer.validated_data)
        except SupplierKeptError as exc:
            errors = [{"line": None, "measure": None, "field": "supplier", "message": str(exc)}]
            return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)
        except ContractError as exc:
            return error_response(status.HTTP_403_FORBIDDEN, str(exc))
        except DjangoValidationError as exc:
            return _model_errors(exc)
        except IntegrityError:
            message = "This commissioner already has a contract with that reference."
            errors = [{"line": None, "measure": None, "field": "reference", "message": message}]
            return error_response(status.HTTP_400_BAD_REQUEST, describe(errors), errors)
        fresh = self.get_queryset().get(pk=contract.pk)
        return Response(ContractSerializer(fresh, context=self.get_serializer_context()).data)
