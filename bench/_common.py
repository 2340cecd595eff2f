"""What the benchmarks share: pointing Django at a throwaway database, and describing it."""

import os
import tempfile
from pathlib import Path


def configure_environment():
    """Point Django at DATABASE_URL, or at a SQLite file in a new temporary directory."""
    tmpdir = Path(tempfile.mkdtemp(prefix="sv-bench-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'socialvalue.sqlite3'}"
    # The development configuration (no SECRET_KEY needed); requests then run with DEBUG off
    # as in production, because setup_test_environment(debug=False) switches it off.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    return tmpdir


def database_description(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version}, database {connection.settings_dict['NAME']}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}, file {connection.settings_dict['NAME']}"
    return connection.vendor
