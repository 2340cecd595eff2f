"""Read-only API of the public register of Charter signatories."""

from django.utils import timezone
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from charter.models import Kind, Place, Sector, Signature


class SignatorySerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    slug = serializers.CharField(source="organisation.slug")
    sector = serializers.CharField(source="organisation.sector")
    kind = serializers.CharField(source="organisation.kind")
    place = serializers.CharField(source="organisation.place")
    size = serializers.CharField(source="organisation.size")
    companies_house_number = serializers.CharField(source="organisation.companies_house_number")
    charity_number = serializers.CharField(source="organisation.charity_number")
    ods_code = serializers.CharField(source="organisation.ods_code")
    charter_version = serializers.IntegerField(source="version.number")
    signed_on = serializers.SerializerMethodField()

    class Meta:
        model = Signature
        fields = [
            "organisation", "slug", "sector", "kind", "place", "size", "companies_house_number",
            "charity_number", "ods_code", "charter_version", "signed_on", "designation",
            "principles", "priorities", "statement",
        ]

    def get_signed_on(self, obj) -> str:
        return timezone.localtime(obj.live_from).date().isoformat()


class SignatoryFilter(filters.FilterSet):
    place = filters.ChoiceFilter(field_name="organisation__place", choices=Place.choices)
    sector = filters.ChoiceFilter(field_name="organisation__sector", choices=Sector.choices)
    kind = filters.ChoiceFilter(field_name="organisation__kind", choices=Kind.choices)
    q = filters.CharFilter(field_name="organisation__name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Signature
        fields = ["place", "sector", "kind", "q"]


class SignatoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The public register: organisations with a live signature of the Charter (open data)."""

    serializer_class = SignatorySerializer
    permission_classes = [AllowAny]
    filterset_class = SignatoryFilter
    lookup_field = "organisation__slug"
    lookup_url_kwarg = "slug"

    def get_queryset(self):
        return Signature.objects.on_register().select_related("organisation", "version").order_by("organisation__name")
