"""Public pages: the Charter, the register of signatories and its open-data exports."""

import csv
import json

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt

from charter.models import CharterVersion, Kind, Place, Sector, Signature
from charter.selectors import public_entry, register_counts, register_entries
from common.chunks import in_chunks
from common.spreadsheets import escape_cell

LICENCE = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)
# CommonMark with raw HTML switched off: anything like <script> in the text is shown, not run.
_markdown = MarkdownIt("commonmark", {"html": False})


def charter(request, number=None):
    versions = CharterVersion.objects.published()
    version = get_object_or_404(versions, number=number) if number else versions.order_by("-number").first()
    context = {
        "version": version,
        "body_html": _markdown.render(version.body) if version else "",
        "is_current": version is not None and version == versions.order_by("-number").first(),
        "versions": versions.order_by("-number"),
        "signatory_count": Signature.objects.on_register().count(),
    }
    return render(request, "charter/charter.html", context)


def _filters(request):
    params = request.GET
    return {
        "q": params.get("q", "").strip()[:200],
        "place": params.get("place", "") if params.get("place") in Place.values else "",
        "sector": params.get("sector", "") if params.get("sector") in Sector.values else "",
        "kind": params.get("kind", "") if params.get("kind") in Kind.values else "",
    }


def register(request):
    filters = _filters(request)
    page = Paginator(register_entries(**filters), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "counts": register_counts(),
        "places": Place.choices,
        "sectors": Sector.choices,
        "kinds": Kind.choices,
        "query_string": query.urlencode(),
        "filtered": any(filters.values()),
    }
    return render(request, "charter/register.html", context)


def verify_certificate(request):
    """Anyone can check a certificate's reference: whose it is, and whether the signature is live."""
    from charter.certificates import signature_for_reference

    reference = request.GET.get("ref", "").strip()[:40]
    signature = signature_for_reference(reference) if reference else None
    return render(request, "charter/verify.html", {
        "reference": reference, "signature": signature, "checked": bool(reference),
    })


def register_entry(request, slug):
    signature = public_entry(slug)
    history = (
        Signature.objects.filter(organisation=signature.organisation, live_from__isnull=False)
        .select_related("version").order_by("-live_from")
    )
    return render(request, "charter/register_entry.html", {
        "signature": signature, "organisation": signature.organisation, "history": history,
    })


EXPORT_FIELDS = [
    "organisation", "sector", "kind", "place", "size", "companies_house_number", "charity_number",
    "ods_code", "anchor_institution", "charter_version", "signed_on", "signatory_designation",
    "principles", "priorities", "statement", "url",
]
_EXPORT_COLUMNS = [
    "organisation__name", "organisation__sector", "organisation__kind", "organisation__place",
    "organisation__size", "organisation__companies_house_number", "organisation__charity_number",
    "organisation__ods_code", "organisation__is_anchor_institution", "organisation__slug", "version__number", "live_from", "designation",
    "principles", "priorities", "statement",
]


def _export_rows(request, filters):
    """The register's rows as plain values, read in chunks: labels and the entry's address are
    worked out once, not per row, and no charter text is read."""
    from charter.models import Size

    labels = {
        "sector": dict(Sector.choices), "kind": dict(Kind.choices), "place": dict(Place.choices),
        "size": dict(Size.choices),
    }
    slug_marker = "slug-placeholder"
    url_template = request.build_absolute_uri(reverse("charter:register-entry", args=[slug_marker]))
    url_prefix, url_suffix = url_template.split(slug_marker)
    london = timezone.get_current_timezone()
    rows = register_entries(**filters).values_list(*_EXPORT_COLUMNS, "pk")
    for (name, sector, kind, place, size, ch, charity, ods, anchor, slug, version, live_from, designation,
         principles, priorities, statement, _) in in_chunks(rows, "organisation__name", lambda r: (r[0], r[-1])):
        yield {
            "organisation": name,
            "sector": labels["sector"].get(sector, sector),
            "kind": labels["kind"].get(kind, kind),
            "place": labels["place"].get(place, place),
            "size": labels["size"].get(size, size),
            "companies_house_number": ch,
            "charity_number": charity,
            "ods_code": ods,
            "anchor_institution": anchor,
            "charter_version": version,
            "signed_on": live_from.astimezone(london).date().isoformat(),
            "signatory_designation": designation,
            "principles": principles,
            "priorities": priorities,
            "statement": statement,
            "url": f"{url_prefix}{slug}{url_suffix}",
        }


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer to stream."""

    def write(self, value):
        return value


def _batched(lines, size=500):
    """Join lines into chunks of ``size``: fewer, larger writes to the client."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _csv_lines(request, filters):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)  # a plain CSV: the header first (the licence is on the page)
    for row in _export_rows(request, filters):
        values = []
        for field in EXPORT_FIELDS:
            value = row[field]
            if isinstance(value, list):
                value = "; ".join(value)
            values.append(escape_cell(value) if isinstance(value, str) else value)
        yield writer.writerow(values)


def register_csv(request):
    """The register as CSV, streamed (memory stays flat however many signatories)."""
    response = StreamingHttpResponse(
        _batched(_csv_lines(request, _filters(request))), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="social-value-charter-register.csv"'
    response["Link"] = '<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>; rel="license"'
    return response


def _json_chunks(request, filters):
    head = {
        "licence": LICENCE,
        "publisher": "NHS Cheshire and Merseyside",
        "generated_at": timezone.now().isoformat(),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "signatories": ['
    count = 0
    for row in _export_rows(request, filters):
        yield ("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False)
        count += 1
    yield f'\n], "count": {count}}}\n'


def register_json(request):
    """The register as JSON with its licence, streamed."""
    response = StreamingHttpResponse(
        _batched(_json_chunks(request, _filters(request))), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="social-value-charter-register.json"'
    return response
