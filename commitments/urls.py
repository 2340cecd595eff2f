from django.urls import path

from commitments.views import (
    contracts,
    evidence,
    history,
    imports,
    return_lists,
    returns,
    spreadsheets,
    vcfse,
    vcfse_system,
)

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
    path("returns/", return_lists.return_list, name="return-list"),
    path("returns/due/", return_lists.due_list, name="due-list"),
    path("returns/review/", return_lists.review_list, name="review-list"),
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
    # The Partner VCFSE commitment
    path("organisations/<int:pk>/partner-vcfse/", vcfse.commitment_page, name="vcfse-commitment"),
    path(
        "organisations/<int:pk>/partner-vcfse/make/<str:step>/",
        vcfse.CommitmentWizard.as_view(url_name="commitments:vcfse-make-step", done_step_name="finished"),
        name="vcfse-make-step",
    ),
    path(
        "organisations/<int:pk>/partner-vcfse/make/",
        vcfse.CommitmentWizard.as_view(url_name="commitments:vcfse-make-step", done_step_name="finished"),
        name="vcfse-make",
    ),
    path("organisations/<int:pk>/partner-vcfse/targets/", vcfse.revise_target, name="vcfse-revise"),
    path("organisations/<int:pk>/partner-vcfse/edit/", vcfse.edit_commitment, name="vcfse-edit"),
    path("organisations/<int:pk>/partner-vcfse/<str:code>.svg", vcfse.trend_chart, name="vcfse-trend"),
    path("organisations/<int:pk>/partner-vcfse/received/", vcfse.received, name="vcfse-received"),
    path(
        "organisations/<int:pk>/partner-vcfse/received/<int:recipient_pk>/answer/", vcfse.answer, name="vcfse-answer"
    ),
    path("returns/<int:pk>/lines/<int:line_pk>/recipients/", vcfse.line_recipients, name="line-recipients"),
    path("icb/partner-vcfse/", vcfse_system.system, name="vcfse-system"),
    path("icb/partner-vcfse/export.csv", vcfse_system.system_csv, name="vcfse-system-csv"),
    path("icb/partner-vcfse/export.xlsx", vcfse_system.system_xlsx, name="vcfse-system-xlsx"),
]
