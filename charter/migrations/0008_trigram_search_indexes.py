"""Trigram indexes for the searches by part of a name or statement (``icontains``, which Django
writes as ``UPPER(column) LIKE UPPER('%words%')``): on PostgreSQL only, and only where the
pg_trgm extension can be created. Without them every search reads every row, slower but right."""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = [
    ("org_name_trgm_idx", "charter_organisation", "name"),
    ("signature_statement_trgm_idx", "charter_signature", "statement"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - a missing privilege must not stop the deployment
        logger.warning("pg_trgm could not be created (%s): searches will read every row.", exc)
        return
    with connection.cursor() as cursor:
        for name, table, column in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("charter", "0007_organisation_name_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
