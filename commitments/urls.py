from django.urls import path

from commitments import import_views, views

app_name = "commitments"

urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("new/", views.contract_create, name="contract-create"),
    path("import/", import_views.contract_import, name="contract-import"),
    path("import/template.xlsx", import_views.contract_import_template, name="contract-import-template"),
    path("<int:pk>/", views.contract_detail, name="contract-detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("<int:pk>/commitments/", views.commitments_edit, name="commitments-edit"),
    path("<int:pk>/progress.svg", views.progress_chart, name="progress-chart"),
]
