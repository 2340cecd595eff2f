from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class CharterConfig(AppConfig):
    name = "charter"
    verbose_name = "Charter, organisations and people"

    def ready(self):
        from charter.admin_access import sync_icb_admin_group

        # After every app's migrate signal: each app's permissions exist once its own has run.
        post_migrate.connect(sync_icb_admin_group, dispatch_uid="charter.sync_icb_admin_group")

        from charter.middleware import seen_at_sign_in

        # A new session starts as just used, so the first page after signing in need not write it.
        user_logged_in.connect(seen_at_sign_in, dispatch_uid="charter.seen_at_sign_in")

        from django.db.models.signals import post_delete, post_save

        from charter.models import Organisation, Signature
        from charter.selectors import REGISTER

        # The register's counts are cached until a signature or an organisation changes.
        for model in (Signature, Organisation):
            post_save.connect(REGISTER.changed, sender=model, dispatch_uid=f"charter.register.save.{model.__name__}")
            post_delete.connect(REGISTER.changed, sender=model, dispatch_uid=f"charter.register.del.{model.__name__}")

        from charter import audit

        audit.connect()  # the audit log: sign-ins, people and access, API tokens, the Django admin
