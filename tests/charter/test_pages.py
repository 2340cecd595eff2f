"""Every page renders for every persona, with navigation that fits their role."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "owner", "colleague", "commissioner", "icb_analyst", "icb_admin"]
PUBLIC_PAGES = ["/", "/framework/", "/framework/measures/NT14/", "/accounts/login/", "/accounts/password_reset/"]


def sign_in(client, request, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_for_everyone(client, request, framework, persona, path):
    sign_in(client, request, persona)
    response = client.get(path)
    assert response.status_code == 200
    assert "Cheshire and Merseyside Social Value Portal" in response.text
    assert 'href="#main-content"' in response.text  # the skip link


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_your_organisations_renders_for_people_who_are_signed_in(client, request, persona):
    sign_in(client, request, persona)
    assert client.get(reverse("charter:organisation-list")).status_code == 200


def test_the_home_page_explains_the_portal_with_live_counts(client, framework):
    from toms.models import Measure

    text = client.get("/").text
    assert "Social Value Charter" in text and "Partner VCFSE" in text
    assert f"{Measure.objects.count()} measures" in text
    for place in ["Cheshire East", "Halton", "Knowsley", "Liverpool", "Sefton", "St Helens", "Warrington", "Wirral"]:
        assert place in text


def test_navigation_follows_the_role(client, owner, icb_admin):
    import_url = reverse("toms:proxy-value-import")
    anonymous = client.get("/").text
    assert reverse("login") in anonymous and reverse("charter:organisation-list") not in anonymous
    client.force_login(owner)
    mine = client.get("/").text
    assert reverse("charter:organisation-list") in mine and import_url not in mine
    client.force_login(icb_admin)
    icb = client.get("/").text
    assert import_url in icb and reverse("admin:index") in icb


def test_nothing_is_loaded_from_another_site(client, framework):
    response = client.get("/framework/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    for marker in ("https://cdn", "unpkg.com", "jsdelivr", "googleapis"):
        assert marker not in response.text


def test_form_errors_show_an_error_summary(client):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    assert "govuk-error-summary" in response.text


def test_missing_pages_use_the_portal_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Cheshire and Merseyside Social Value Portal" in response.text


def test_admin_lists_have_search_and_filters(client, icb_admin, organisation):
    icb_admin.is_superuser = True
    icb_admin.save()
    client.force_login(icb_admin)
    for path in ["/admin/charter/organisation/", "/admin/charter/membership/", "/admin/charter/user/",
                 "/admin/toms/measure/", "/admin/toms/proxyvalue/", "/admin/toms/outcome/"]:
        response = client.get(path + "?q=a")
        assert response.status_code == 200, path
        assert 'id="searchbar"' in response.text, path
