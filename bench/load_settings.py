"""Production settings (config.settings, read from the environment) for bench/mixed_load.py's
gunicorn, with two changes to the static files, which the load's virtual users do not request
(a browser keeps them in its cache): they are collected into LOAD_STATIC_ROOT, outside the
working tree, and hashed but not compressed, so that collecting them takes seconds, not minutes.
Pages name them exactly as in production."""

import os
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STATIC_ROOT = Path(os.environ["LOAD_STATIC_ROOT"])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
