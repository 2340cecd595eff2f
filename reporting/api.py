"""Snapshots through the API: ICB staff read every built snapshot; everyone else (signed in or
not) reads the published ones only. System-wide figures per measure and scope totals."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from reporting.models import Snapshot, SnapshotGroup, SnapshotMeasure


class SnapshotMeasureSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="measure.code", read_only=True)
    combination = serializers.CharField(source="measure.combination", read_only=True)

    class Meta:
        model = SnapshotMeasure
        fields = ["scope", "code", "combination", "lines", "reporters", "quantity", "yes_count", "median", "low",
                  "high", "value_gross", "value_adjusted", "unvalued_lines"]


class SnapshotGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SnapshotGroup
        fields = ["scope", "returns", "organisations", "contracts", "value_gross", "value_adjusted",
                  "contract_value_gross", "expected", "received", "on_time", "live_contract_value"]


class SnapshotListSerializer(serializers.ModelSerializer):
    period = serializers.CharField(read_only=True)
    published = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = ["id", "period", "year", "quarter", "built_at", "returns_count", "organisations_count",
                  "contracts_count", "signatures_to_date", "published"]

    def get_published(self, obj) -> bool:
        return obj.published_at is not None


class SnapshotSerializer(SnapshotListSerializer):
    measures = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta(SnapshotListSerializer.Meta):
        fields = [*SnapshotListSerializer.Meta.fields, "measures", "groups"]

    @extend_schema(responses=SnapshotMeasureSerializer(many=True))
    def get_measures(self, obj) -> list[dict]:
        rows = obj.measures.filter(scope="*|*|*").select_related("measure").order_by("measure__code")
        return SnapshotMeasureSerializer(rows, many=True).data

    def get_groups(self, obj) -> list[dict]:
        rows = obj.groups.filter(scope__in=self._group_scopes()).order_by("scope")
        return SnapshotGroupSerializer(rows, many=True).data

    def _group_scopes(self):
        from charter.models import Place, Sector
        from reporting.models import scope_key

        return [scope_key()] + [scope_key(place=p) for p in Place.values] + [scope_key(sector=s) for s in Sector.values]


@extend_schema_view(
    list=extend_schema(summary="Quarterly snapshots", description="ICB staff see every built snapshot; "
                       "everyone else the published ones."),
    retrieve=extend_schema(summary="One snapshot: system-wide figures per measure, and totals by place and sector"),
)
class SnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        user = self.request.user
        qs = Snapshot.objects.built().order_by("-year", "-quarter")
        if user.is_authenticated and user.is_active and user.is_icb:
            return qs
        return qs.filter(published_at__isnull=False)

    def get_serializer_class(self):
        return SnapshotListSerializer if self.action == "list" else SnapshotSerializer
