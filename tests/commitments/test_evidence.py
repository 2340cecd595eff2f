"""Evidence files and case studies: type, size and content checks, who may add, see and remove
them, and that approved returns do not change."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from charter.models import Role
from commitments.models import CaseStudy, Evidence, Return
from commitments.services import evidence
from tests.factories import ApprovedReturnFactory, ContractFactory, DraftReturnFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def office(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft(db):
    return DraftReturnFactory(contract=ContractFactory(reference="LCC-0007"))


@pytest.fixture
def reporter(draft):
    return MembershipFactory(organisation=draft.organisation, role=Role.REPORTER).user


@pytest.fixture
def reviewer(draft):
    return MembershipFactory(organisation=draft.contract.commissioner, role=Role.COMMISSIONER).user


@pytest.fixture
def stranger(db):
    return MembershipFactory(role=Role.REPORTER).user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_type"),
    [
        ("payroll.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("site.jpg", JPG, "image/jpeg"),
        ("site.jpeg", JPG, "image/jpeg"),
        ("report.docx", office("word/document.xml"),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("hours.xlsx", office("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("hours.csv", "date,hours\n2025-05-01,4\nCafé,2\n".encode(), "text/csv"),
    ],
)
def test_accepted_files(draft, reporter, name, content, stored_type):
    item = evidence.add_evidence(draft, reporter, upload(name, content, "text/html"), "What it shows")
    assert item.content_type == stored_type  # from the checked extension, never the browser's claim
    assert item.size == len(content) and item.name == name
    with item.file.open("rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "is not a file type the portal accepts"),
        ("page.html", b"<html></html>", "is not a file type the portal accepts"),
        ("noextension", PDF, "is not a file type the portal accepts"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "is not really a PDF file"),
        ("fake.png", JPG, "is not really a PNG file"),
        ("fake.jpg", PNG, "is not really a JPEG file"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "is not really a Word file"),
        ("spreadsheet.docx", office("xl/workbook.xml"), "is not really a Word file"),
        ("fake.xlsx", PDF, "is not really an Excel file"),
        ("binary.csv", b"a,b\x00\x01\x02", "is not really a CSV file"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_refused_files_say_why(draft, reporter, name, content, message):
    with pytest.raises(evidence.EvidenceError, match=message):
        evidence.add_evidence(draft, reporter, upload(name, content))
    assert not Evidence.objects.exists()


def test_files_over_the_size_limit_are_refused(draft, reporter, settings):
    settings.MAX_EVIDENCE_BYTES = 1000
    evidence.add_evidence(draft, reporter, upload("ok.pdf", PDF + b" " * (1000 - len(PDF))))
    with pytest.raises(evidence.EvidenceError, match="files must be smaller than"):
        evidence.add_evidence(draft, reporter, upload("big.pdf", PDF + b" " * 1000))
    assert Evidence.objects.count() == 1


def test_only_reporters_change_evidence_and_only_while_editable(draft, reporter, reviewer):
    with pytest.raises(evidence.EvidenceError, match="admins and reporters"):
        evidence.add_evidence(draft, reviewer, upload("a.pdf", PDF))
    item = evidence.add_evidence(draft, reporter, upload("a.pdf", PDF))
    case = evidence.add_case_study(draft, reporter, title="Ella's story", story="From apprentice to supervisor.")
    draft.status = "submitted"
    draft.save()
    for call in (
        lambda: evidence.add_evidence(draft, reporter, upload("b.pdf", PDF)),
        lambda: evidence.delete_evidence(draft, reporter, item.pk),
        lambda: evidence.add_case_study(draft, reporter, title="Another", story="Story"),
        lambda: evidence.delete_case_study(draft, reporter, case.pk),
    ):
        with pytest.raises(evidence.EvidenceError, match="cannot be changed"):
            call()
    assert Evidence.objects.count() == 1 and CaseStudy.objects.count() == 1


def test_removing_a_file_removes_it_from_storage(draft, reporter, media, django_capture_on_commit_callbacks):
    item = evidence.add_evidence(draft, reporter, upload("a.pdf", PDF))
    path = media / item.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        evidence.delete_evidence(draft, reporter, item.pk)
    assert not path.exists() and not Evidence.objects.exists()


# --- the pages ----------------------------------------------------------------------------


def test_uploading_through_the_page(draft, reporter):
    client = client_for(reporter)
    url = reverse("commitments:evidence-add", args=[draft.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'accept=".pdf,.png' in page.text
    refused = client.post(url, {"file": upload("fake.pdf", b"not a pdf"), "description": ""})
    assert refused.status_code == 400
    assert "govuk-error-summary" in refused.text and "is not really a PDF file" in refused.text
    assert 'href="#id_file"' in refused.text
    done = client.post(url, {"file": upload("payroll.pdf", PDF), "description": "Payroll, April to June"})
    assert done.status_code == 302
    detail = client.get(reverse("commitments:return-detail", args=[draft.pk])).text
    assert "payroll.pdf" in detail and "Payroll, April to June" in detail


def test_download_is_an_attachment_for_those_who_may_see_the_return(draft, reporter, reviewer, stranger):
    item = evidence.add_evidence(draft, reporter, upload("payroll.pdf", PDF))
    url = reverse("commitments:evidence-download", args=[draft.pk, item.pk])
    assert client_for(reviewer).get(url).status_code == 404  # a draft is the supplier's own until submitted
    Return.objects.filter(pk=draft.pk).update(status="changes_requested")
    for user in (reporter, reviewer):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
    assert client_for(stranger).get(url).status_code == 404


def test_a_file_is_only_reachable_through_its_own_return(draft, reporter):
    item = evidence.add_evidence(draft, reporter, upload("payroll.pdf", PDF))
    mine = DraftReturnFactory(contract=ContractFactory(supplier=draft.organisation))
    url = reverse("commitments:evidence-download", args=[mine.pk, item.pk])
    assert client_for(reporter).get(url).status_code == 404


def test_a_reporter_of_another_organisation_gets_404_for_evidence(draft, reporter, stranger):
    item = evidence.add_evidence(draft, reporter, upload("payroll.pdf", PDF))
    case = evidence.add_case_study(draft, reporter, title="Story", story="Told")
    client = client_for(stranger)
    assert client.get(reverse("commitments:evidence-add", args=[draft.pk])).status_code == 404
    assert client.post(reverse("commitments:evidence-add", args=[draft.pk]), {"file": upload("x.pdf", PDF)}).status_code == 404
    assert client.post(reverse("commitments:evidence-delete", args=[draft.pk, item.pk])).status_code == 404
    assert client.post(reverse("commitments:case-study-delete", args=[draft.pk, case.pk])).status_code == 404
    assert Evidence.objects.count() == 1 and CaseStudy.objects.count() == 1


def test_the_commissioner_may_read_but_not_add(draft, reviewer):
    Return.objects.filter(pk=draft.pk).update(status="changes_requested")  # sent back: editable, and theirs to see
    client = client_for(reviewer)
    assert client.get(reverse("commitments:return-detail", args=[draft.pk])).status_code == 200
    assert client.post(reverse("commitments:evidence-add", args=[draft.pk]), {"file": upload("x.pdf", PDF)}).status_code == 403
    assert not Evidence.objects.exists()


def test_removing_through_the_page_needs_post(draft, reporter):
    item = evidence.add_evidence(draft, reporter, upload("payroll.pdf", PDF))
    client = client_for(reporter)
    url = reverse("commitments:evidence-delete", args=[draft.pk, item.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not Evidence.objects.exists()


def test_case_studies_through_the_page(draft, reporter):
    client = client_for(reporter)
    url = reverse("commitments:case-study-add", args=[draft.pk])
    refused = client.post(url, {"title": "", "story": ""})
    assert refused.status_code == 400
    assert "Enter a title for the case study" in refused.text and "Tell the story" in refused.text
    client.post(url, {"title": "From apprentice to supervisor", "story": "Ella joined in April.",
                      "outcome": "A permanent job", "consent_to_publish": "on"})
    case = CaseStudy.objects.get()
    assert case.consent_to_publish and case.outcome == "A permanent job"
    detail = client.get(reverse("commitments:return-detail", args=[draft.pk])).text
    assert "From apprentice to supervisor" in detail and "May be published" in detail
    client.post(reverse("commitments:case-study-delete", args=[draft.pk, case.pk]))
    assert not CaseStudy.objects.exists()
    assert CaseStudy.history.filter(history_type="-").count() == 1  # the history keeps it


def test_an_approved_return_takes_no_new_evidence(db, media):
    ret = ApprovedReturnFactory()
    reporter = MembershipFactory(organisation=ret.organisation, role=Role.REPORTER).user
    client = client_for(reporter)
    response = client.post(reverse("commitments:evidence-add", args=[ret.pk]), {"file": upload("a.pdf", PDF)}, follow=True)
    assert "approved and cannot be changed" in response.text
    response = client.post(reverse("commitments:case-study-add", args=[ret.pk]), {"title": "T", "story": "S"})
    assert response.status_code == 302
    assert not Evidence.objects.exists() and not CaseStudy.objects.exists()
    assert not list(media.rglob("*.pdf"))
