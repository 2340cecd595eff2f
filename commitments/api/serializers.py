"""Serializers of the returns API: how a return is shown, and what a request may send."""

from django.urls import reverse as django_reverse
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.reverse import reverse

from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, Membership, Organisation
from commitments.api.recipients import RecipientSerializer
from commitments.models import Contract, Return, ReturnLine, ReturnStatus
from commitments.models.returns import EDITABLE_RETURN_STATUSES
from commitments.services.returns import is_own_work
from toms.periods import Quarter

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
    recipients = RecipientSerializer(
        many=True, read_only=True,
        help_text="NT14–NT17: the VCFSE organisations named as receiving it (write them at "
        "/api/v1/return-line-recipients/{id}/).",
    )

    class Meta:
        model = ReturnLine
        fields = ["id", "measure", "measure_title", "unit", "value_kind", "quantity", "narrative", "flag", "recipients"]

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
            "web": request.build_absolute_uri(django_reverse("commitments:return-detail", args=[ret.pk])),
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
    Nobody reviews their own work: whoever submitted the return or saved its last draft is not
    offered approve or request_changes.
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
    if reviews and ret.status == ReturnStatus.SUBMITTED and not is_own_work(user, ret):
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
    default_error_messages = {
        "null": "Give each line as an object with its measure, quantity and narrative, not null.",
        "invalid": "Give each line as an object with its measure, quantity and narrative.",
    }
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
