"""Backups can be restored: scripts/backup.sh then scripts/restore.sh into a fresh PostgreSQL
database and media folder bring back every row of every table (returns, lines, evidence, history,
snapshots…) and every uploaded file."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from charter.models import Role
from commitments.services import evidence
from commitments.services import returns as rs
from tests.factories import ContractFactory, DraftReturnFactory, MembershipFactory

ROOT = Path(__file__).resolve().parent.parent


def _url(name):
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _counts(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("The backup and restore test needs PostgreSQL (set DATABASE_URL=postgres://…).")


def test_a_backup_restores_every_row_and_file(postgres_only, transactional_db, framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    reviewer = MembershipFactory(organisation=contract.commissioner, role=Role.COMMISSIONER).user
    ret = DraftReturnFactory(contract=contract)
    rs.save_draft(ret, reporter, [rs.LineInput(measure="NT1", quantity="3", narrative="Apprentices")], revision=1)
    evidence.add_evidence(ret, reporter, SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n% evidence\n"))
    ret.refresh_from_db()
    rs.submit(ret, reporter, attested=True, revision=ret.revision)
    rs.approve(ret, reviewer, "Thank you")

    before = _counts(_url(connection.settings_dict["NAME"]))
    for table in ("commitments_return", "commitments_returnline", "commitments_evidence",
                  "commitments_historicalreturn", "commitments_historicalreturnline"):
        assert before[table] > 0, table

    env = {**os.environ, "DATABASE_URL": _url(connection.settings_dict["NAME"]), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    folder = subprocess.run(
        ["bash", str(ROOT / "scripts/backup.sh"), str(tmp_path / "backups")],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]

    fresh = f"restore_{uuid.uuid4().hex[:10]}"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restored_media = tmp_path / "restored-media"
        subprocess.run(
            ["bash", str(ROOT / "scripts/restore.sh"), folder],
            env={**env, "DATABASE_URL": _url(fresh), "MEDIA_ROOT": str(restored_media), "SKIP_MIGRATE": "1"},
            check=True, capture_output=True, text=True,
        )
        assert _counts(_url(fresh)) == before
        stored = ret.evidence.get()
        assert (restored_media / stored.file.name).read_bytes() == b"%PDF-1.4\n% evidence\n"
        # Restoring over a database that has tables is refused.
        again = subprocess.run(
            ["bash", str(ROOT / "scripts/restore.sh"), folder],
            env={**env, "DATABASE_URL": _url(fresh), "MEDIA_ROOT": str(restored_media), "SKIP_MIGRATE": "1"},
            capture_output=True, text=True,
        )
        assert again.returncode != 0 and "already has" in again.stderr
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
