"""The pagination component links a few pages, however many there are."""

from django.core.paginator import Paginator
from django.template import Context, Template


def render(number, count):
    page = Paginator(range(count), 25).get_page(number)
    return Template('{% include "includes/pagination.html" %}').render(Context({"page": page, "query_string": "q=x"}))


def test_a_few_links_for_thousands_of_pages():
    html = render(4000, 250_000)  # 10,000 pages
    assert html.count('class="govuk-link govuk-pagination__link" href') == 5 + 2  # 1, 3999-4001, 10000, prev, next
    for n in (1, 3999, 4000, 4001, 10000):
        assert f'href="?q=x&amp;page={n}" aria-label="Page {n}"' in html
    assert 'aria-label="Page 2"' not in html and 'aria-label="Page 5000"' not in html
    assert html.count("govuk-pagination__item--ellipses") == 2
    assert 'aria-current="page">4000<' in html


def test_every_page_when_there_are_few():
    html = render(2, 75)  # 3 pages
    assert all(f'aria-label="Page {n}"' in html for n in (1, 2, 3))
    assert "ellipses" not in html
    assert render(1, 10).strip() == ""  # one page: no pagination at all
