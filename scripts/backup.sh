#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database (pg_dump's custom format) and the uploaded files
# (MEDIA_ROOT: evidence), into one folder named by the time.
#
#   DATABASE_URL=postgres://user:pass@host:5432/socialvalue MEDIA_ROOT=/srv/media \
#       scripts/backup.sh /backups            # writes /backups/socialvalue-YYYYmmdd-HHMMSS/
#
# Restore with scripts/restore.sh. Keep backups off the database's machine, and try a restore
# regularly: a backup never restored is a hope, not a backup.
set -euo pipefail

DEST_ROOT=${1:?usage: scripts/backup.sh DESTINATION_FOLDER}
: "${DATABASE_URL:?set DATABASE_URL (postgres://…)}"
MEDIA_ROOT=${MEDIA_ROOT:-./media}

stamp=$(date -u +%Y%m%d-%H%M%S)
dest="$DEST_ROOT/socialvalue-$stamp"
mkdir -p "$dest"

# --format=custom is compressed and lets pg_restore restore in parallel and selectively.
pg_dump --format=custom --no-owner --no-privileges --file "$dest/database.dump" "$DATABASE_URL"
if [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -czf "$dest/media.tar.gz" .
else
    tar -czf "$dest/media.tar.gz" --files-from /dev/null
fi
(cd "$dest" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "$dest"
