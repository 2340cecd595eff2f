from django.urls import path  # noqa: F401 (routes are added here as reporting grows)

app_name = "reporting"

urlpatterns = [
]
