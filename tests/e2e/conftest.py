"""Browser tests: Playwright drives Debian's Chromium (Playwright cannot download its own here)."""

import os
import shutil

import pytest

# The demo world, for the tests that walk every role's pages (accessibility, keyboard).
from tests.e2e.demo_world import demo  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the tests
# themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium); `make test` installs it.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def console_errors(page):
    """Collects console errors and failed requests (CSP violations, missing files)."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
    page.on("response", lambda res: errors.append(f"{res.status}: {res.url}") if res.status >= 400 else None)
    return errors
