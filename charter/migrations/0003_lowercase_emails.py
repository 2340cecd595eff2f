"""Existing e-mail addresses in lower case: one identity whatever the case.

The case-insensitive unique constraint (user_email_ci_unique) already rules out two people whose
addresses differ only in case, so lower-casing cannot collide.
"""

from django.db import migrations
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    User = apps.get_model("charter", "User")
    User.objects.update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [("charter", "0002_charter_version_1")]

    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop)]
