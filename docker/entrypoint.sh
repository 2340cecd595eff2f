#!/bin/sh
# Entry point of the portal's image.
#  - web (the command is gunicorn): apply migrations and load the TOM framework (both idempotent),
#    then start the command;
#  - Celery worker and beat (the command is celery): wait until the web container has applied
#    the migrations (beat's DatabaseScheduler reads its tables), then start the command;
#  - anything else (manage.py shell, createsuperuser…): run it as it is.
# RUN_MIGRATIONS=true/false overrides the choice for the first two.
set -eu

cd "$(dirname "$0")/.."

migrate() {
    python manage.py migrate --noinput
    python manage.py load_framework
}

wait_for_migrations() {
    limit=${MIGRATION_WAIT_SECONDS:-180}
    waited=0
    until python manage.py migrate --check >/dev/null 2>&1; do
        if [ "$waited" -ge "$limit" ]; then
            echo "entrypoint: the database still has unapplied migrations after ${limit}s;" \
                "is the web service running?" >&2
            python manage.py migrate --check || true
            exit 1
        fi
        sleep 3
        waited=$((waited + 3))
    done
}

case "${RUN_MIGRATIONS:-auto}" in
    true) migrate ;;
    false) ;;
    auto)
        case "${1:-}" in
            gunicorn) migrate ;;
            celery) wait_for_migrations ;;
        esac
        ;;
    *) echo "entrypoint: RUN_MIGRATIONS must be true, false or auto, not '${RUN_MIGRATIONS}'" >&2; exit 1 ;;
esac

exec "$@"
