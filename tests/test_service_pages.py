"""The footer's pages about the service, and the Beta banner's feedback link."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PAGES = {
    "accessibility": ["WCAG) version 2.2 at level AA", "not yet been audited", "PDFs"],
    "privacy": ["data controller", "public task", "never their name or e-mail address"],
    "cookies": ["sessionid", "csrftoken", "does not ask for your consent"],
    "contact": ["organisation's admin", "mailto:"],
}


@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_written_for_this_service_and_open_to_all(client, name):
    page = client.get(reverse(name))
    assert page.status_code == 200
    for text in PAGES[name]:
        assert text in page.text, text


def test_the_footer_links_every_page_and_the_banner_asks_for_feedback(client):
    home = client.get(reverse("home")).text
    footer = home.split('<footer class="govuk-footer">')[1]
    for name in PAGES:
        assert f'href="{reverse(name)}"' in footer
    banner = home.split('<div class="govuk-phase-banner">')[1].split("</div>")[0]
    assert f'href="{reverse("contact")}"' in banner and "feedback" in banner


def test_the_cookies_page_lists_the_cookies_the_portal_sets(client, owner):
    client.get(reverse("login"))
    client.force_login(owner)
    set_names = set(client.cookies.keys())
    page = client.get(reverse("cookies")).text
    assert set_names <= {"sessionid", "csrftoken"} and all(name in page for name in set_names)
