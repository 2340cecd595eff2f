from django.urls import path

from toms import views

app_name = "toms"

urlpatterns = [
    # The framework catalogue and proxy values
    path("framework/", views.framework, name="framework"),
    path("framework/measures/<str:code>/", views.measure_detail, name="measure-detail"),
    path("framework/proxy-values/import/", views.proxy_value_import, name="proxy-value-import"),
    path("framework/proxy-values/template.xlsx", views.proxy_value_template, name="proxy-value-template"),
]
