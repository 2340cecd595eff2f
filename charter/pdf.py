"""The one place that turns HTML templates into PDFs with WeasyPrint."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string


def _fetcher():
    """Resolve /static/ URLs to files on disk and read data: URIs (charts); refuse everything
    else, so a PDF never reaches the network."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = settings.STATIC_URL
            path = url.split(prefix, 1)[-1] if prefix in url else None
            found = finders.find(path) if path else None
            if not found:
                raise ValueError(f"PDFs may only use the portal's own static files, not {url}")
            return super().fetch(Path(found).as_uri(), headers)

    return StaticOnlyFetcher(allowed_protocols={"data", "file"})


def render_pdf(template, context, *, tagged=False):
    """The PDF of a template. ``tagged``: a tagged PDF/UA-1 document, its structure (headings,
    tables, figures with their alternative text) readable by screen readers; the template must
    give the document a <title> and a lang."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    document = HTML(string=html, base_url=settings.STATIC_URL, url_fetcher=_fetcher())
    if tagged:
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    return document.write_pdf()


def pdf_response(template, context, filename):
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
