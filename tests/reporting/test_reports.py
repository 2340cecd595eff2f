"""PDF reports: built by the task with progress, e-mailed, offered for download to the asker only,
tagged for screen readers, and their text read back."""

import io
import os
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from reporting.models import BuildStatus, Report
from reporting.services.snapshots import build_snapshot
from tests.factories import MembershipFactory
from tests.reporting.world import Q, build_world


@pytest.fixture
def world(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = build_world()
    build_snapshot(Q)
    return w


def build(client, user, django_capture_on_commit_callbacks, **params):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:report-new"), {"quarter": "2025-1", **params})
    assert response.status_code == 302, response.content.decode()[:500]
    return Report.objects.latest("created_at")


def text_of(report):
    data = report.file.read()
    if os.environ.get("REPORTING_SCREENSHOTS"):  # keep the PDF to look at
        Path(os.environ["REPORTING_SCREENSHOTS"], f"{report.kind}.pdf").write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    return reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_system_report_is_built_emailed_and_tagged(client, world, icb_analyst, django_capture_on_commit_callbacks):
    report = build(client, icb_analyst, django_capture_on_commit_callbacks, kind="system")
    assert report.status == BuildStatus.DONE and report.progress == 100
    reader, text = text_of(report)
    assert "Social value across Cheshire and Merseyside, 2025/26 Q1" in text
    assert "Contents" in text and "How these figures are made" in text
    assert "£2,050" in text and "median 60% (range 40% to 70%)" in text
    assert "LCC-E" in text  # the return to chase
    assert "deadweight 20%" in text  # the assumptions beside the adjusted figure
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged, for screen readers
    assert reader.metadata.title == report.title
    assert mail.outbox[-1].to == [icb_analyst.email] and mail.outbox[-1].attachments[0][2] == "application/pdf"
    page = client.get(reverse("reporting:report", args=[report.pk])).content.decode()
    assert "Your report is ready" in page
    download = client.get(reverse("reporting:report-download", args=[report.pk]))
    assert download["Content-Type"] == "application/pdf"


def test_the_place_report_has_the_place_only(client, world, icb_analyst, django_capture_on_commit_callbacks):
    report = build(client, icb_analyst, django_capture_on_commit_callbacks, kind="place", subject="liverpool")
    _, text = text_of(report)
    assert "Social value in Liverpool, 2025/26 Q1" in text
    assert "0.5 FTE-years" in text.replace("FTE- years", "FTE-years")  # a table cell may wrap at the hyphen


def test_a_commissioner_builds_their_contracts_report_and_nobody_else_sees_it(
    client, world, outsider, django_capture_on_commit_callbacks
):
    commissioner = MembershipFactory(organisation=world.council, role="commissioner").user
    report = build(client, commissioner, django_capture_on_commit_callbacks, kind="contract", subject=world.ka.pk)
    _, text = text_of(report)
    assert "Contract LCC-A" in text and "Commitments against delivery" in text
    assert "0.5 FTE-years" in text.replace("FTE- years", "FTE-years")
    assert "u002D" not in text  # the page footer carries the title as written
    client.force_login(outsider)
    assert client.get(reverse("reporting:report", args=[report.pk])).status_code == 404
    assert client.get(reverse("reporting:report-download", args=[report.pk])).status_code == 404
    # A supplier sees the contract but is not its commissioner.
    supplier = MembershipFactory(organisation=world.a, role="admin").user
    client.force_login(supplier)
    response = client.get(reverse("reporting:report-new"), {"kind": "contract", "subject": world.ka.pk})
    assert response.status_code == 403


def test_an_organisation_builds_its_own_report(client, world, django_capture_on_commit_callbacks):
    admin = MembershipFactory(organisation=world.a, role="admin").user
    report = build(client, admin, django_capture_on_commit_callbacks, kind="organisation", subject=world.a.pk)
    _, text = text_of(report)
    assert "Alpha Facilities Ltd" in text and "0.5 FTE-years" in text.replace("FTE- years", "FTE-years")
    assert "40% (latest quarter)" in text
