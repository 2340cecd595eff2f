"""The accessibility statement says what the portal aims at, how it was tested (with the axe-core
version the browser tests really use), what is known not to work, how to report a problem, and
when it was written and reviewed."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags

pytestmark = pytest.mark.django_db
VENDOR = Path(__file__).parent / "e2e" / "vendor"


@pytest.fixture
def statement(client):
    page = client.get(reverse("accessibility"))
    assert page.status_code == 200
    return page.text, " ".join(strip_tags(page.text).split())


def test_it_states_wcag_2_2_aa_as_the_target(statement):
    _, text = statement
    assert "Our target is the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA" in text


def test_it_says_how_the_portal_was_tested_with_the_axe_core_version_the_tests_use(statement):
    _, text = statement
    vendored = [p.name.removeprefix("axe-core-") for p in VENDOR.glob("axe-core-*")]
    assert len(vendored) == 1, vendored
    assert f"axe-core {vendored[0]}" in text  # the version in tests/e2e/vendor, not a stale one
    for tested in (
        "keyboard-only tests of the main journeys",
        "Tab, Shift+Tab, Enter, Space",
        "focus is visible",
        "links to its field",
        "Chromium",
        "serious or critical",
    ):
        assert tested in text, tested


def test_it_lists_known_problems(statement):
    _, text = statement
    known = text.split("Known problems", 1)[1].split("How we tested", 1)[0]
    for problem in ("PDFs", "charts", "Swagger UI and ReDoc", "spreadsheet templates"):
        assert problem in known, problem


def test_it_says_how_to_report_a_problem(statement):
    html, text = statement
    assert "Reporting accessibility problems" in text
    assert f'href="mailto:{settings.CONTACT_EMAIL}"' in html
    assert f'href="{reverse("contact")}"' in html
    assert "reply within 5 working days" in text


def test_it_is_dated_and_the_review_is_not_before_the_preparation(statement):
    _, text = statement
    prepared = re.search(r"prepared on (\d{1,2} \w+ \d{4})", text)
    reviewed = re.search(r"last reviewed on (\d{1,2} \w+ \d{4})", text)
    assert prepared and reviewed
    when = {m: dt.datetime.strptime(m.group(1), "%d %B %Y").date() for m in (prepared, reviewed)}
    assert when[prepared] <= when[reviewed]
