# The Social Value Portal: one image for the web process (gunicorn), the Celery worker and beat.
#   docker build -t socialvalue .
#   docker compose up        (see docker-compose.yml; SECRET_KEY must be set)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

# WeasyPrint's libraries (PDFs) and a font; nothing else is needed at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The pinned runtime dependencies from pyproject.toml (not the [test] extra), in their own layer
# so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected (hashed and compressed for whitenoise) into the image. The settings
# need a SECRET_KEY to import with DEBUG off; this throwaway one exists only during the build.
RUN DEBUG=false \
    SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789abcdef \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput -v0 \
    && rm -f /tmp/build.sqlite3

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /app/media \
    && chown app:app /app/media \
    && chmod 0755 /app/docker/entrypoint.sh

USER app
# Font caches (WeasyPrint) go to /tmp: the application directory is read-only for the app user.
ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache
EXPOSE 8000
VOLUME ["/app/media"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--timeout", "60"]
