from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting and the ICB dashboard"

    def ready(self):
        from commitments.signals import return_approved
        from reporting.tasks import on_return_approved

        return_approved.connect(on_return_approved, dispatch_uid="reporting-refresh-snapshot")
