from django.urls import path

from commitments.views import contracts, evidence, history, imports, returns, spreadsheets

app_name = "commitments"

urlpatterns = [
    # Contracts and their TOM commitments
    path("contracts/", contracts.contract_list, name="contract-list"),
    path("contracts/new/", contracts.contract_create, name="contract-create"),
    path("contracts/import/", imports.contract_import, name="contract-import"),
    path("contracts/import/template.xlsx", imports.contract_import_template, name="contract-import-template"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/commitments/", contracts.commitments_edit, name="commitments-edit"),
    path("contracts/<int:pk>/progress.svg", contracts.progress_chart, name="progress-chart"),
    # Quarterly returns
    path("returns/", returns.return_list, name="return-list"),
    path("returns/review/", returns.review_list, name="review-list"),
    path("returns/start/", returns.start, name="return-start"),
    path("returns/upload/", spreadsheets.bulk_upload, name="bulk-upload"),
    path("returns/<int:pk>/", returns.detail, name="return-detail"),
    path("returns/<int:pk>/edit/", returns.edit, name="return-edit"),
    path("returns/<int:pk>/submit/", returns.submit, name="return-submit"),
    path("returns/<int:pk>/review/", returns.review, name="return-review"),
    path("returns/<int:pk>/amend/", returns.amend, name="return-amend"),
    path("returns/<int:pk>/history/", history.history, name="return-history"),
    path("returns/<int:pk>/evidence/", evidence.add_evidence, name="evidence-add"),
    path("returns/<int:pk>/evidence/<int:evidence_pk>/", evidence.download_evidence, name="evidence-download"),
    path("returns/<int:pk>/evidence/<int:evidence_pk>/delete/", evidence.delete_evidence, name="evidence-delete"),
    path("returns/<int:pk>/case-studies/", evidence.add_case_study, name="case-study-add"),
    path(
        "returns/<int:pk>/case-studies/<int:case_pk>/delete/", evidence.delete_case_study, name="case-study-delete"
    ),
    # Spreadsheets for returns
    path("returns/<int:pk>/spreadsheet.xlsx", spreadsheets.return_template, name="return-template"),
    path("returns/<int:pk>/upload/", spreadsheets.return_upload, name="return-upload"),
    path("returns/<int:pk>/export.csv", spreadsheets.return_export_csv, name="return-export-csv"),
]
