from django.apps import AppConfig


class TomsConfig(AppConfig):
    name = "toms"
    verbose_name = "TOM framework and returns"
