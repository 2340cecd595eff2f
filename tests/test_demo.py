"""What `make demo` does: e-mail links to where it listens, short progress lines, the portal's 404."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def make_dry_run(*args):
    return subprocess.run(
        ["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_the_demo_sets_site_url_from_host_and_port():
    commands = make_dry_run("demo", "HOST=sv.demo.example", "PORT=8081")
    seed = next(line for line in commands.splitlines() if "seed_demo" in line)
    serve = next(line for line in commands.splitlines() if "runserver" in line)
    for line in (seed, serve):
        assert "SITE_URL=http://sv.demo.example:8081" in line
        assert "DEMO=true" in line


def test_the_demo_setup_prints_a_line_per_step_not_pips_messages():
    commands = make_dry_run("demo")
    pip_lines = [line for line in commands.splitlines() if "pip install" in line]
    assert pip_lines and all(" -q " in line and ".venv/install.log" in line for line in pip_lines)
    assert "Installing dependencies" in commands and "done (log:" in commands


def _settings_in(env):
    code = "from django.conf import settings; print(settings.MIDDLEWARE)"
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=full_env, capture_output=True, text=True, check=True,
    ).stdout


def test_the_portal_404_middleware_only_in_the_demo():
    assert "PortalNotFoundMiddleware" in _settings_in({"DEBUG": "true", "DEMO": "true"})
    assert "PortalNotFoundMiddleware" not in _settings_in({"DEBUG": "true", "DEMO": "false"})
    assert "PortalNotFoundMiddleware" not in _settings_in({"DEBUG": "false", "DEMO": "true"})


@pytest.fixture
def demo_settings(settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:1], "config.demo.PortalNotFoundMiddleware", *settings.MIDDLEWARE[1:]]
    return settings


@pytest.mark.django_db
def test_the_demo_shows_the_portals_404_for_an_unknown_address(client, demo_settings):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "govuk-template" in response.text
    assert "URLconf" not in response.text  # not Django's technical page


@pytest.mark.django_db
def test_the_demo_shows_the_portals_404_for_a_missing_object(client, demo_settings):
    response = client.get(reverse("charter:register-entry", args=["no-such-organisation"]))
    assert response.status_code == 404
    assert "Page not found" in response.text and "Traceback" not in response.text and "Raised by" not in response.text


@pytest.mark.django_db
def test_the_demo_still_adds_a_missing_slash(client, demo_settings):
    response = client.get(reverse("charter:register").rstrip("/"))
    assert response.status_code == 301


def test_the_readme_lists_every_demo_login_and_only_files_that_exist():
    import json
    import re

    readme = (ROOT / "README.md").read_text()
    users = json.loads((ROOT / "fixtures" / "demo.json").read_text())["users"]
    listed = re.findall(r"^\| (\S+@\S+) \|", readme, flags=re.M)
    assert sorted(listed) == sorted(u["email"] for u in users)
    for name in re.findall(r"`?([A-Z]+\.md)`?", readme):
        assert (ROOT / name).exists(), f"README mentions {name}, which is not in the repository"
