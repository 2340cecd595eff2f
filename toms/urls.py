from django.urls import path

from toms import views

app_name = "toms"

urlpatterns = [
    path("", views.framework, name="framework"),
    path("measures/<str:code>/", views.measure_detail, name="measure-detail"),
    path("proxy-values/import/", views.proxy_value_import, name="proxy-value-import"),
    path("proxy-values/template.xlsx", views.proxy_value_template, name="proxy-value-template"),
]
