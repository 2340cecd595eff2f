"""Admin for reporting: snapshots are read here and rebuilt or published on their own page
(/reporting/snapshots/), so their figures cannot be edited by hand."""

from django.contrib import admin

from reporting.models import Report, Snapshot, SnapshotBuild


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "built_at", "build_seconds", "returns_count", "organisations_count", "published_at"]
    readonly_fields = [f.name for f in Snapshot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SnapshotBuild)
class SnapshotBuildAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "requested_by", "created_at", "finished_at", "message"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "requested_by", "created_at", "build_seconds"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
