"""The catalogue searches across measures (code, title, outcome), and a theme with no measures
offers nothing to show."""

import re

import pytest
from django.urls import reverse

from toms.models import Measure

pytestmark = pytest.mark.django_db


def codes(page):
    results = page.split("match “")[1].split("</table>")[0]
    return re.findall(r'portal-code">([^<]+)<', results)


def test_a_code_finds_its_measure_first(client, framework):
    page = client.get(reverse("toms:framework"), {"q": "nt1"}).text
    found = codes(page)
    assert found[0] == "NT1" and "NT10" in found and "NT2" not in found


def test_words_search_titles_and_outcomes(client, framework):
    measure = Measure.objects.get(code="NT14")
    word = max(measure.title.split(), key=len).strip(",.()")
    assert "NT14" in codes(client.get(reverse("toms:framework"), {"q": word}).text)
    outcome_word = measure.outcome.name.split()[-1]
    assert "NT14" in codes(client.get(reverse("toms:framework"), {"q": outcome_word}).text)


def test_no_match_says_so(client, framework):
    page = client.get(reverse("toms:framework"), {"q": "zzzz-nothing"}).text
    assert "No measure matches" in page


def test_a_theme_with_no_measures_offers_no_show_button(client, framework):
    page = client.get(reverse("toms:framework")).text
    accordion = page.split('id="framework"')[1].split('<div id="theme-innovation"')[0]
    assert "Innovation" not in accordion  # not an accordion section with a Show button
    assert 'id="theme-innovation"' in page and "no measures in the loaded framework yet" in page
