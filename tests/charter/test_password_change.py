"""Changing a known password on the portal's own pages, linked from Your account."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
OLD = "correct horse battery staple"
NEW = "seven quiet herons at dusk"


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_account_page_links_to_it(client, owner):
    client.force_login(owner)
    assert f'href="{reverse("password_change")}"' in client.get(reverse("account")).text


def test_the_page_is_the_portals_with_the_rules_told_first(client, owner):
    client.force_login(owner)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "govuk-template" in page.text and "Django administration" not in page.text
    assert "Change your password" in page.text
    assert page.text.index("Use at least 8 characters") < page.text.index('name="new_password1"')


def test_a_wrong_current_password_is_named_and_changes_nothing(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("password_change"), {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 200
    assert "Your current password is not right" in response.text
    owner.refresh_from_db()
    assert owner.check_password(OLD)


def test_empty_fields_are_each_named(client, owner):
    client.force_login(owner)
    response = client.post(reverse("password_change"), {})
    for message in ("Enter your current password", "Enter a new password", "Enter the new password again"):
        assert message in response.text
    assert "This field is required." not in response.text


def test_the_password_changes(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("password_change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "Your password has been changed" in response.text and "govuk-template" in response.text
    owner.refresh_from_db()
    assert owner.check_password(NEW)
