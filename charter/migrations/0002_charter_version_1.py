"""Publish version 1 of the Charter, as the partnership published it, from fixtures/."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "charter_v1.json"


def publish_version_1(apps, schema_editor):
    CharterVersion = apps.get_model("charter", "CharterVersion")
    if CharterVersion.objects.filter(number=1).exists():
        return
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    CharterVersion.objects.create(published_at=timezone.now(), **data)


class Migration(migrations.Migration):
    dependencies = [("charter", "0001_initial")]

    operations = [migrations.RunPython(publish_version_1, migrations.RunPython.noop)]
