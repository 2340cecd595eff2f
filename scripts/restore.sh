#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media folder.
#
#   DATABASE_URL=postgres://user:pass@host:5432/socialvalue_restored MEDIA_ROOT=/srv/media-restored \
#       scripts/restore.sh /backups/socialvalue-YYYYmmdd-HHMMSS
#
# It checks the backup's checksums first, refuses a database that already has tables, and then
# runs `manage.py migrate` so a backup from an older release is brought up to date.
set -euo pipefail

src=${1:?usage: scripts/restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?set DATABASE_URL (postgres://…) of an empty database}"
MEDIA_ROOT=${MEDIA_ROOT:-./media}

(cd "$src" && sha256sum --check --quiet SHA256SUMS) || { echo "checksums do not match: not restoring" >&2; exit 1; }
tables=$(psql "$DATABASE_URL" -XAtc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
    echo "the target database already has $tables tables: restore into an empty database" >&2
    exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DATABASE_URL" "$src/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media.tar.gz"
if [ -z "${SKIP_MIGRATE:-}" ]; then
    "${PYTHON:-python}" "$(dirname "${BASH_SOURCE[0]}")/../manage.py" migrate --noinput
fi
echo "restored $src"
