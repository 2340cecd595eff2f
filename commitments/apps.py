from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Contracts and commitments"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from charter.models import Membership, Organisation
        from commitments.due import RETURN_FIGURES
        from commitments.models import Contract, Return

        # Figures about returns (due counts and pages, list and review counts) are cached until a
        # return or contract, who may see them, or a supplier's name changes.
        for model in (Return, Contract, Membership, Organisation):
            post_save.connect(RETURN_FIGURES.changed, sender=model, dispatch_uid=f"commitments.due.save.{model.__name__}")
            post_delete.connect(RETURN_FIGURES.changed, sender=model, dispatch_uid=f"commitments.due.del.{model.__name__}")
