"""Public pages: the Charter, the register of signatories and its open-data exports."""

import csv
import json

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from markdown_it import MarkdownIt

from charter.models import CharterVersion, Kind, Place, Sector, Signature
from charter.selectors import public_entry, register_counts, register_entries
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


def _export_rows(request, filters):
    for s in register_entries(**filters).iterator(chunk_size=500):
        org = s.organisation
        yield {
            "organisation": org.name,
            "sector": org.get_sector_display(),
            "kind": org.get_kind_display(),
            "place": org.get_place_display(),
            "size": org.get_size_display(),
            "companies_house_number": org.companies_house_number,
            "charity_number": org.charity_number,
            "ods_code": org.ods_code,
            "anchor_institution": org.is_anchor_institution,
            "charter_version": s.version.number,
            "signed_on": timezone.localtime(s.live_from).date().isoformat(),
            "signatory_designation": s.designation,
            "principles": s.principles,
            "priorities": s.priorities,
            "statement": s.statement,
            "url": request.build_absolute_uri(s.get_absolute_url()),
        }


def register_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="social-value-charter-register.csv"'
    writer = csv.writer(response)
    writer.writerow([f"# {LICENCE}"])
    writer.writerow(EXPORT_FIELDS)
    for row in _export_rows(request, _filters(request)):
        values = []
        for field in EXPORT_FIELDS:
            value = row[field]
            if isinstance(value, list):
                value = "; ".join(value)
            values.append(escape_cell(value) if isinstance(value, str) else value)
        writer.writerow(values)
    return response


def register_json(request):
    entries = list(_export_rows(request, _filters(request)))
    payload = {
        "licence": LICENCE,
        "publisher": "NHS Cheshire and Merseyside",
        "generated_at": timezone.now().isoformat(),
        "count": len(entries),
        "signatories": entries,
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="social-value-charter-register.json"'
    return response
