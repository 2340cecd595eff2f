"""Read-only API for the framework: anyone may read the catalogue."""

from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from toms.models import Measure, ProxyValue, Theme


class ProxyValueSerializer(serializers.ModelSerializer):
    financial_year = serializers.CharField(source="financial_year_label")

    class Meta:
        model = ProxyValue
        fields = ["financial_year", "value", "source"]


class MeasureSerializer(serializers.ModelSerializer):
    outcome = serializers.CharField(source="outcome.name")
    theme = serializers.CharField(source="outcome.theme.name")
    proxy_values = ProxyValueSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "code", "title", "theme", "outcome", "unit", "value_kind", "is_partner_vcfse",
            "guidance", "needs_review", "review_note", "proxy_values",
        ]


class ThemeSerializer(serializers.ModelSerializer):
    outcomes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Theme
        fields = ["code", "name", "description", "outcomes"]


class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    """The TOM measures, with their unit, kind of value and proxy values by year."""

    serializer_class = MeasureSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    filterset_fields = ["is_partner_vcfse", "value_kind", "outcome__theme__code"]

    def get_queryset(self):
        return Measure.objects.active().with_structure().prefetch_related("proxy_values")


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ThemeSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    queryset = Theme.objects.prefetch_related("outcomes")
