from django.urls import path

from toms import return_views, spreadsheet_views, views

app_name = "toms"

urlpatterns = [
    # The framework catalogue and proxy values
    path("framework/", views.framework, name="framework"),
    path("framework/measures/<str:code>/", views.measure_detail, name="measure-detail"),
    path("framework/proxy-values/import/", views.proxy_value_import, name="proxy-value-import"),
    path("framework/proxy-values/template.xlsx", views.proxy_value_template, name="proxy-value-template"),
    # Quarterly returns
    path("returns/", return_views.return_list, name="return-list"),
    path("returns/review/", return_views.review_list, name="review-list"),
    path("returns/start/", return_views.start, name="return-start"),
    path("returns/upload/", spreadsheet_views.bulk_upload, name="bulk-upload"),
    path("returns/<int:pk>/", return_views.detail, name="return-detail"),
    path("returns/<int:pk>/edit/", return_views.edit, name="return-edit"),
    path("returns/<int:pk>/submit/", return_views.submit, name="return-submit"),
    path("returns/<int:pk>/review/", return_views.review, name="return-review"),
    path("returns/<int:pk>/amend/", return_views.amend, name="return-amend"),
    path("returns/<int:pk>/history/", return_views.history, name="return-history"),
    path("returns/<int:pk>/evidence/", return_views.add_evidence, name="evidence-add"),
    path("returns/<int:pk>/evidence/<int:evidence_pk>/", return_views.download_evidence, name="evidence-download"),
    path("returns/<int:pk>/evidence/<int:evidence_pk>/delete/", return_views.delete_evidence, name="evidence-delete"),
    path("returns/<int:pk>/case-studies/", return_views.add_case_study, name="case-study-add"),
    path("returns/<int:pk>/case-studies/<int:case_pk>/delete/", return_views.delete_case_study,
         name="case-study-delete"),
    # Spreadsheets for returns
    path("returns/<int:pk>/spreadsheet.xlsx", spreadsheet_views.return_template, name="return-template"),
    path("returns/<int:pk>/upload/", spreadsheet_views.return_upload, name="return-upload"),
    path("returns/<int:pk>/export.csv", spreadsheet_views.return_export_csv, name="return-export-csv"),
]
