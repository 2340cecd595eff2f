"""How a VCFSE recipient named on a return line is shown in the API (the returns API and the
Partner VCFSE API share it)."""

from rest_framework import serializers

from charter.models import Organisation
from commitments.models import ReturnLineRecipient


class RecipientOrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug"]


class RecipientSerializer(serializers.ModelSerializer):
    organisation = RecipientOrganisationSerializer(read_only=True, allow_null=True)
    name = serializers.CharField(source="display_name")
    place = serializers.CharField(source="recipient_place")
    in_cm = serializers.BooleanField(help_text="Whether the recipient is in Cheshire and Merseyside.")
    amount = serializers.SerializerMethodField(help_text="A decimal as text, in the line's unit.")
    status = serializers.ChoiceField(
        choices=["unconfirmed", "confirmed", "disputed"], read_only=True, help_text="The recipient's own word."
    )

    class Meta:
        model = ReturnLineRecipient
        fields = ["id", "organisation", "name", "charity_number", "place", "in_cm", "amount", "status", "comment"]

    def get_amount(self, r) -> str:
        return f"{r.amount.normalize():f}"
