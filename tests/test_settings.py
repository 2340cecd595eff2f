"""Settings come from the environment and fail loudly on bad values.

The helper tests use monkeypatch; the rest start ``manage.py`` in a subprocess with a controlled
environment, because settings are read once at import time and must be proved from a cold start.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

REPO = Path(__file__).resolve().parent.parent
VAR = "SV_TEST_SETTING"


# --- config/env.py helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True), ("True", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
        (" on ", True),
        ("false", False), ("False", False), ("0", False), ("no", False), ("off", False),
        ("OFF", False),
    ],
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_blank_gives_the_default(monkeypatch, default):
    monkeypatch.delenv(VAR, raising=False)
    assert env_bool(VAR, default) is default
    monkeypatch.setenv(VAR, "  ")
    assert env_bool(VAR, default) is default


@pytest.mark.parametrize("raw", ["ture", "flase", "2", "y", "enabled", "-1"])
def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool(VAR, False)
    assert VAR in str(excinfo.value)
    assert repr(raw) in str(excinfo.value)


def test_env_int_reads_whole_numbers(monkeypatch):
    monkeypatch.setenv(VAR, "42")
    assert env_int(VAR, 0) == 42
    monkeypatch.delenv(VAR)
    assert env_int(VAR, 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "3600s"])
def test_env_int_rejects_non_numbers_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_int(VAR, 0)
    assert VAR in str(excinfo.value)
    assert "whole number" in str(excinfo.value)


def test_env_list_splits_strips_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(VAR, " portal.example.nhs.uk, localhost ,,127.0.0.1 ,")
    assert env_list(VAR) == ["portal.example.nhs.uk", "localhost", "127.0.0.1"]


def test_env_list_unset_gives_a_copy_of_the_default(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    default = ("a", "b")
    result = env_list(VAR, default)
    assert result == ["a", "b"]
    assert isinstance(result, list)
    monkeypatch.setenv(VAR, "")
    assert env_list(VAR, default) == []


def test_env_str_required_names_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "")
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_str(VAR, required=True)
    assert env_str(VAR, "fallback") == "fallback"


# --- settings from a cold start ------------------------------------------------------------


def production_env(tmp_path, **overrides):
    """A production-like environment: nothing inherited except what a process needs to run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "portal.example.nhs.uk",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'settings-test.sqlite3'}",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )


def shell_values(env, code):
    """Run ``manage.py shell -c code`` and return the lines it printed that start with '='."""
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stdout + result.stderr
    values = {}
    for line in result.stdout.splitlines():
        if line.startswith("=") and "=" in line[1:]:
            name, value = line[1:].split("=", 1)
            values[name] = value
    return values


def test_production_secret_key_is_sixty_characters(tmp_path):
    assert len(production_env(tmp_path)["SECRET_KEY"]) == 60


def test_debug_off_without_secret_key_fails_naming_it(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_on_without_secret_key_runs_the_demo(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=None, DEBUG="true"), "check")
    assert result.returncode == 0, result.stderr


def test_misspelt_debug_fails_naming_it(tmp_path):
    result = manage(production_env(tmp_path, DEBUG="ture"), "check")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
    assert "'ture'" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:notaport/socialvalue",  # port is not a number
        "postgres//postgres@127.0.0.1:5432/socialvalue",  # missing ':' after the scheme
        "127.0.0.1:5432/socialvalue",  # no scheme at all
    ],
)
def test_malformed_database_url_fails_naming_it(tmp_path, url):
    result = manage(production_env(tmp_path, DATABASE_URL=url), "check")
    assert result.returncode != 0, (
        f"DATABASE_URL={url!r} was accepted:\n{result.stdout}{result.stderr}"
    )
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_unknown_database_scheme_fails(tmp_path):
    result = manage(production_env(tmp_path, DATABASE_URL="mongo://db.example.org/socialvalue"),
                    "check")
    assert result.returncode != 0
    assert "mongo" in result.stderr


EAGER_CODE = (
    "from django.conf import settings; from config.celery import app; "
    "print('=setting=' + str(settings.CELERY_TASK_ALWAYS_EAGER)); "
    "print('=celery=' + str(app.conf.task_always_eager)); "
    "print('=broker=' + str(settings.CELERY_BROKER_URL)); "
    "print('=backend=' + str(settings.CELERY_RESULT_BACKEND))"
)


def test_without_a_broker_tasks_run_eagerly(tmp_path):
    values = shell_values(production_env(tmp_path, CELERY_BROKER_URL=None), EAGER_CODE)
    assert values["setting"] == "True"
    assert values["celery"] == "True"
    # Nothing is sent in eager mode: no Redis (or other network broker) is named.
    assert not values["broker"].startswith(("redis", "amqp")), values["broker"]


def test_with_a_broker_tasks_go_to_the_worker(tmp_path):
    broker = "redis://redis.example.org:6379/0"
    values = shell_values(production_env(tmp_path, CELERY_BROKER_URL=broker), EAGER_CODE)
    assert values["setting"] == "False"
    assert values["celery"] == "False"
    assert values["broker"] == broker
    assert values["backend"] == broker  # the result backend defaults to the broker


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    # With a cache every process shares, as docker-compose configures it.
    env = production_env(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_settings_without_a_shared_cache_are_warned_about(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # a warning, not an error: a single process is fine
    assert "common.W001" in output and "CACHE_URL" in output, output


EMAIL_CODE = (
    "from django.conf import settings; "
    "print('=backend=' + settings.EMAIL_BACKEND); print('=host=' + settings.EMAIL_HOST); "
    "print('=port=' + str(settings.EMAIL_PORT)); print('=user=' + settings.EMAIL_HOST_USER); "
    "print('=password=' + settings.EMAIL_HOST_PASSWORD); "
    "print('=tls=' + str(bool(settings.EMAIL_USE_TLS)))"
)


def test_email_url_selects_smtp(tmp_path):
    env = production_env(tmp_path, EMAIL_URL="smtp://user:pw@mail.example.org:587/?tls=True")
    values = shell_values(env, EMAIL_CODE)
    assert values["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["host"] == "mail.example.org"
    assert values["port"] == "587"
    assert values["user"] == "user"
    assert values["password"] == "pw"


def test_smtp_tls_scheme_turns_on_starttls(tmp_path):
    # django-environ reads TLS from the scheme (smtp+tls://) or from ?EMAIL_USE_TLS=True;
    # a plain "?tls=True" is not understood by it.
    env = production_env(tmp_path, EMAIL_URL="smtp+tls://user:pw@mail.example.org:587")
    values = shell_values(env, EMAIL_CODE)
    assert values["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["tls"] == "True"


def test_without_email_url_mail_goes_to_the_console(tmp_path):
    values = shell_values(
        production_env(tmp_path, EMAIL_URL=None),
        "from django.conf import settings; print('=backend=' + settings.EMAIL_BACKEND)",
    )
    assert values["backend"] == "django.core.mail.backends.console.EmailBackend"
