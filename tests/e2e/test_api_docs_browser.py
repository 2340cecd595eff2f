"""The API documentation renders under the Content Security Policy, in Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_violations(errors):
    return [e for e in errors if "Content Security Policy" in e or "Refused to" in e]


def _script_violations(errors):
    return [e for e in _csp_violations(errors) if "script-src" in e or "worker" in e]


def test_swagger_ui_lists_the_operations(page, live_server, console_errors):
    response = page.goto(live_server.url + "/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator(".opblock-summary").first).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/measures/").first).to_be_visible()
    expect(page.locator(".title").first).to_contain_text("Social Value Portal API")
    assert _csp_violations(console_errors) == []
    assert not [e for e in console_errors if e.startswith(("failed:", "4", "5"))], console_errors


def test_redoc_shows_the_reference(page, live_server, console_errors):
    page.goto(live_server.url + "/api/redoc/")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_role("heading", name="Cheshire and Merseyside Social Value Portal API").first).to_be_visible(
        timeout=20_000
    )
    expect(page.locator("body")).not_to_contain_text("Something went wrong")
    expect(page.locator("[data-section-id^='tag/']").first).to_be_attached()
    expect(page.get_by_role("textbox", name="Search")).to_be_visible()
    # Nothing runs that the policy forbids. (ReDoc's bundle injects its scroll-bar styles before it
    # knows the nonce, and links Redocly's logo from its CDN: both blocked, both harmless; the
    # styles are served from static/css/redoc-scrollbars.css instead.)
    assert _script_violations(console_errors) == []
    styled = page.evaluate("Array.from(document.styleSheets).some(s => (s.href || '').endsWith('redoc-scrollbars.css'))")
    assert styled
