"""The main journeys by keyboard alone, in Chromium: Tab, Shift+Tab, Enter, Space and the arrow
keys, never the mouse. Text is typed only into a field that Tab reached.

A visitor skips to the content and searches the register; a supplier's reporter signs in, fills in
the figures of a return and submits it; the contract's commissioner approves it; an ICB analyst
filters the dashboard. Wherever focus lands, it must be visible (WCAG 2.4.7, 2.4.11). Error
summaries link to their fields, and following a link puts the focus in the field (WCAG 3.3.1)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.demo_world import PASSWORD, PEOPLE, SUPPLIER, sign_in_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Whether the focused element shows it has the focus: its style with the focus must differ from its
# style without (read by blurring it and focusing it again) in a visible way. GOV.UK Frontend draws
# a yellow background with a black underline (links, buttons) or a 3px yellow outline with a black
# ring (fields); its checkboxes and radios hide the real input and draw the ring on the label's
# ::before. An outline alone counts only when it can be seen (GOV.UK adds a transparent one for
# Windows' high contrast mode).
FOCUS_INDICATOR = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || !el.matches(':focus-visible')) return null;
  const box = el.matches('.govuk-checkboxes__input, .govuk-radios__input')
    ? document.querySelector(`label[for="${el.id}"]`) : el;
  if (!box) return null;
  const pseudo = box === el ? null : '::before';
  const props = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor', 'color',
                 'borderColor', 'borderWidth', 'textDecorationLine', 'textDecorationThickness'];
  const read = () => { const s = getComputedStyle(box, pseudo); return Object.fromEntries(props.map(p => [p, s[p]])); };
  const focused = read();
  el.blur();
  const plain = read();
  el.focus({preventScroll: true});
  const transparent = c => c === 'transparent' || /rgba\\(.*, 0\\)$/.test(c);
  const outlineShows = focused.outlineStyle !== 'none' && parseFloat(focused.outlineWidth) >= 2
    && !transparent(focused.outlineColor);
  const changed = props.filter(p => focused[p] !== plain[p] && (!p.startsWith('outline') || outlineShows));
  return changed.length ? changed : null;
}"""


def rx(text):
    """A regular expression matching the text (a / escaped too: Playwright's selectors end at one)."""
    return re.escape(text).replace("/", r"\/")


def focused(page, handle):
    return page.evaluate("el => el === document.activeElement", handle)


def tab_to(page, locator, limit=150, backwards=False, check_focus=True):
    """Presses Tab (or Shift+Tab) until the element has the focus; checks that every element
    passed on the way shows where the focus is."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        # Past the last element the focus leaves the page (to the browser's own controls).
        if check_focus and not page.evaluate("() => document.activeElement === document.body"):
            assert_focus_visible(page)
        if focused(page, handle):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {locator}")


def assert_focus_visible(page):
    shown = page.evaluate(FOCUS_INDICATOR)
    if shown is None:
        what = page.evaluate("() => { const e = document.activeElement; return e.outerHTML.slice(0, 200); }")
        raise AssertionError(f"no visible focus indicator on {page.url}: {what}")


def press_enter_on(page, locator):
    tab_to(page, locator)
    page.keyboard.press("Enter")


def sign_in_by_keyboard(page, base_url, role):
    """From the home page: the header's Sign in link, then the form, typed."""
    page.goto(base_url + "/")
    press_enter_on(page, page.get_by_role("banner").get_by_role("link", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    tab_to(page, page.get_by_label("E-mail address"))
    page.keyboard.type(PEOPLE[role])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")  # submits the form from the password field
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_visitor_skips_to_the_content_and_searches_the_register(page, demo):
    page.goto(demo.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then shown
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab goes to the first link of the content, past the header and its menu.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert_focus_visible(page)

    # Back up to the menu with Shift+Tab, and into the register.
    tab_to(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Register"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("register", ignore_case=True)
    tab_to(page, page.locator("#register-q"))
    page.keyboard.type("bike")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=bike"))
    result = page.get_by_role("link", name="Liverpool Bike Recycle CIC (demo)")
    expect(result).to_be_visible()
    expect(page.get_by_role("link", name="Liverpool City Council")).to_have_count(0)
    press_enter_on(page, result)
    expect(page.get_by_role("heading", level=1)).to_have_text("Liverpool Bike Recycle CIC (demo)")


def test_a_return_is_filled_in_submitted_and_approved_by_keyboard(browser, demo):
    from commitments.models import Return

    draft = Return.objects.get(organisation__name=SUPPLIER, contract__isnull=False, status="draft")
    period = str(draft.period)

    # The reporter signs in, opens the draft from the returns list and changes two figures.
    reporter = browser.new_context().new_page()
    sign_in_by_keyboard(reporter, demo.url, "reporter")
    press_enter_on(reporter, reporter.get_by_role("navigation", name="Menu").get_by_role("link", name="Returns"))
    press_enter_on(reporter, reporter.get_by_role("link", name=re.compile(rf"Continue\s+the {rx(period)} return for")))
    expect(reporter.get_by_role("heading", level=1)).to_have_text(f"{period} figures")
    first = reporter.locator("#id_line-0-quantity")
    tab_to(reporter, first)
    reporter.keyboard.press("Control+A")
    reporter.keyboard.type("-2")
    press_enter_on(reporter, reporter.get_by_role("button", name="Save and continue"))
    # Refused: the error summary takes the focus, and its link leads back to the field.
    summary = reporter.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    press_enter_on(reporter, summary.get_by_role("link").first)
    expect(first).to_be_focused()
    reporter.keyboard.press("Control+A")
    reporter.keyboard.type("3")
    reporter.keyboard.press("Tab")
    expect(reporter.locator("#id_line-0-narrative")).to_be_focused()
    reporter.keyboard.press("Control+A")
    reporter.keyboard.type("Three cooks hired in Kirkby")
    press_enter_on(reporter, reporter.get_by_role("button", name="Save and continue"))
    expect(reporter.locator(".govuk-notification-banner--success")).to_contain_text("Figures saved")

    # It is submitted with the attestation ticked with the space bar.
    attest = reporter.locator("#id_attested")
    tab_to(reporter, attest)
    reporter.keyboard.press("Space")
    expect(attest).to_be_checked()
    press_enter_on(reporter, reporter.get_by_role("button", name="Submit for review"))
    expect(reporter.locator(".returns-status .govuk-tag")).to_have_text("Submitted for review")
    reporter.context.close()

    # The commissioner finds it among the returns to review and approves it.
    commissioner = browser.new_context().new_page()
    sign_in_by_keyboard(commissioner, demo.url, "commissioner")
    menu = commissioner.get_by_role("navigation", name="Menu")
    press_enter_on(commissioner, menu.get_by_role("link", name=re.compile("To review")))
    press_enter_on(commissioner, commissioner.get_by_role("link", name=re.compile(rf"{rx(SUPPLIER)}.*{rx(period)}")))
    expect(commissioner.locator("main")).to_contain_text("Three cooks hired in Kirkby")
    press_enter_on(commissioner, commissioner.get_by_role("button", name="Approve"))
    expect(commissioner.locator(".returns-status .govuk-tag")).to_have_text("Approved")
    commissioner.context.close()
    draft.refresh_from_db()
    assert draft.status == "approved"
    assert draft.lines.filter(quantity=3, narrative="Three cooks hired in Kirkby").count() == 1


def test_an_analyst_filters_the_dashboard_by_keyboard(page, demo):
    sign_in_by_keyboard(page, demo.url, "icb_analyst")
    press_enter_on(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    place = page.get_by_label("Place", exact=True)
    tab_to(page, place)
    for _ in range(12):  # the arrow keys move through the places without opening the list
        if place.input_value() == "liverpool":
            break
        page.keyboard.press("ArrowDown")
    assert place.input_value() == "liverpool"
    press_enter_on(page, page.get_by_role("button", name="Show figures"))
    expect(page).to_have_url(re.compile(r"place=liverpool"))
    expect(page.locator(".govuk-inset-text")).to_contain_text("Showing Liverpool")
    # A wide table scrolls sideways in its own box, which the keyboard reaches and scrolls.
    region = page.get_by_role("region", name=re.compile("By measure|measure", re.IGNORECASE)).first
    tab_to(page, region)
    assert_focus_visible(page)


# Key forms sent back with errors: who, where, what to send. Every link of the error summary must
# point at a field that exists, and following it must put the focus in that field.
ERROR_FORMS = [
    ("anonymous", "/accounts/login/", "Sign in", {}),
    ("anonymous", "/charter/sign/steps/organisation/", "Continue", {}),
    (
        "reporter",
        "/returns/{draft}/edit/",
        "Save and continue",
        {"#id_line-0-quantity": "-1", "#id_line-1-quantity": "x"},
    ),
    ("reporter", "/returns/{draft}/", "Submit for review", {}),
    ("commissioner", "/contracts/new/", None, {}),
    ("org_admin", "/organisations/{supplier}/people/invite/", "Send the invitation", {}),
]


def test_error_summaries_link_to_their_fields(browser, demo, subtests):
    from charter.models import Organisation
    from commitments.models import Return

    ids = {
        "draft": Return.objects.get(organisation__name=SUPPLIER, contract__isnull=False, status="draft").pk,
        "supplier": Organisation.objects.get(name=SUPPLIER).pk,
    }
    contexts = {}
    checked = 0
    for role, path, button, typed in ERROR_FORMS:
        with subtests.test(role=role, form=path):
            if role not in contexts:
                contexts[role] = browser.new_context()
                sign_in_session(contexts[role], demo.url, role)
            page = contexts[role].pages[0] if contexts[role].pages else contexts[role].new_page()
            page.goto(demo.url + path.format(**ids))
            for selector, text in typed.items():
                page.locator(selector).fill(text)
            submit = (
                page.get_by_role("button", name=button, exact=True)
                if button
                else page.locator("main form[method=post] button[type=submit]").last
            )
            submit.click()
            summary = page.locator(".govuk-error-summary")
            expect(summary).to_be_visible()
            links = summary.locator("a")
            items = summary.locator("li")
            assert links.count() > 0, "an error summary with no links to the fields"
            assert links.count() == items.count(), f"{path}: an error in the summary does not link to its field"
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            for i, href in enumerate(hrefs):
                assert href and href.startswith("#") and len(href) > 1, f"{path}: {href!r} is not a link to a field"
                target = page.locator(f"[id='{href[1:]}']")
                assert target.count() == 1, f"{path}: {href} points at no element (or several)"
                tag = target.evaluate("el => el.tagName")
                assert tag in ("INPUT", "SELECT", "TEXTAREA"), f"{path}: {href} points at a {tag}, not a field"
                links.nth(i).click()
                expect(target).to_be_focused()
                checked += 1
    for context in contexts.values():
        context.close()
    assert checked >= len(ERROR_FORMS)


def test_the_focus_check_fails_when_the_focus_cannot_be_seen(page):
    page.set_content(
        "<style>a { color: #1d70b8 } a:focus { outline: none } .shown:focus { background: #fd0; color: #0b0c0c }"
        " .ringed:focus { outline: 3px solid transparent }</style>"
        '<a href="#1">Hidden focus</a> <a class="ringed" href="#2">Invisible outline</a>'
        ' <a class="shown" href="#3">Shown focus</a>'
    )
    for _ in range(2):
        page.keyboard.press("Tab")
        with pytest.raises(AssertionError, match="no visible focus indicator"):
            assert_focus_visible(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Shown focus")).to_be_focused()
    assert_focus_visible(page)
