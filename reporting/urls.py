from django.urls import path

from reporting.views import commissioner, dashboard, directory, public, reports, snapshots

app_name = "reporting"

urlpatterns = [
    path("reporting/dashboard/", dashboard.dashboard, name="dashboard"),
    path("reporting/dashboard/export/<slug:slug>.<str:fmt>", dashboard.export, name="export"),
    path("reporting/snapshots/", snapshots.snapshot_list, name="snapshots"),
    path("reporting/snapshots/builds/<int:pk>/", snapshots.build_status, name="build"),
    path("reporting/snapshots/<int:pk>/publish/", snapshots.publish, name="publish"),
    path("reporting/commissioner/", commissioner.commissioner, name="commissioner"),
    path("reporting/reports/", reports.report_list, name="reports"),
    path("reporting/reports/new/", reports.report_new, name="report-new"),
    path("reporting/reports/<int:pk>/", reports.report_status, name="report"),
    path("reporting/reports/<int:pk>/download/", reports.report_download, name="report-download"),
    path("icb/organisations/", directory.directory, name="directory"),
    path("icb/organisations/<int:pk>/", directory.organisation, name="directory-organisation"),
    path("social-value/", public.summary, name="public-summary"),
    path("social-value/open-data.csv", public.open_data_csv, name="open-data-csv"),
    path("social-value/open-data.json", public.open_data_json, name="open-data-json"),
]
