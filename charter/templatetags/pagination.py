"""Page links for the GOV.UK pagination component."""

from django import template

register = template.Library()


@register.filter
def page_links(page):
    """The first and last page, the current one and its neighbours, and None for each gap: a few
    links however many pages there are (the whole page range would be read on every request)."""
    links = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return [None if n == page.paginator.ELLIPSIS else n for n in links]
