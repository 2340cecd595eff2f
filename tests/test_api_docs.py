"""The API documentation pages run no inline script and say their language (the browser test
tests/e2e/test_api_docs_browser.py proves they render under the CSP)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_no_inline_script_and_a_language(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="en-GB">' in response.text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, flags=re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in response.text and "fonts.googleapis.com" not in response.text
    assert "script-src 'self';" in response["Content-Security-Policy"] + ";"


def test_only_redoc_allows_its_nonced_styles(client):
    redoc = client.get(reverse("api-redoc"))
    nonce = re.search(r'data-style-nonce="([^"]+)"', redoc.text).group(1)
    assert f"'nonce-{nonce}'" in redoc["Content-Security-Policy"]
    assert "nonce-" not in client.get(reverse("api-docs"))["Content-Security-Policy"]
