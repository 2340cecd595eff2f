"""Evidence files and case studies on a return: added and removed only while the return can be
edited, by the organisation's admins and reporters. Files are checked by size, by extension and
by their first bytes, so a renamed executable is not accepted as a PDF.
"""

import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from commitments.models import CaseStudy, Evidence, Return
from commitments.services.returns import ReturnError, can_report

# What each type's first bytes must be. Word and Excel files are zip archives.
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
# The part an Office Open XML archive of each kind must contain.
OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
def _a(name):
    return f"an {name}" if name[0] in "AEIOU" else f"a {name}"


TYPE_NAMES = {".pdf": "PDF", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".docx": "Word", ".xlsx": "Excel",
              ".csv": "CSV"}


class EvidenceError(ReturnError):
    """A file or case study cannot be added or removed; str(error) says why."""


def allowed_types_text():
    names = []
    for ext in settings.EVIDENCE_TYPES:
        name = TYPE_NAMES.get(ext, ext.lstrip(".").upper())
        if name not in names:
            names.append(name)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def accept_attribute():
    return ",".join(settings.EVIDENCE_TYPES)


def check_file(upload):
    """The content type to store for ``upload``, or EvidenceError saying what is wrong with it."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in settings.EVIDENCE_TYPES:
        raise EvidenceError(f"'{name}' is not a file type the portal accepts. Upload {_a(allowed_types_text())} file.")
    if upload.size == 0:
        raise EvidenceError(f"'{name}' is empty.")
    if upload.size > settings.MAX_EVIDENCE_BYTES:
        raise EvidenceError(
            f"'{name}' is {filesizeformat(upload.size)}; files must be smaller than "
            f"{filesizeformat(settings.MAX_EVIDENCE_BYTES + 1)}."
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    expected = MAGIC.get(ext)
    if expected is not None and not head.startswith(expected):
        raise EvidenceError(f"'{name}' is not really {_a(TYPE_NAMES.get(ext, ext))} file: its contents do not match.")
    if ext in OFFICE_PARTS:
        try:
            with zipfile.ZipFile(upload) as archive:
                parts = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            parts = set()
        finally:
            upload.seek(0)
        if OFFICE_PARTS[ext] not in parts:
            raise EvidenceError(f"'{name}' is not really {_a(TYPE_NAMES[ext])} file: its contents do not match.")
    if ext == ".csv" and (b"\x00" in head or not _looks_like_text(head)):
        raise EvidenceError(f"'{name}' is not really a CSV file: it is not text.")
    return settings.EVIDENCE_TYPES[ext]


def _looks_like_text(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still text.
        if exc.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _editable(ret, user):
    """The return locked for change, if this person may change its evidence now."""
    ret = Return.objects.select_for_update().select_related("organisation").get(pk=ret.pk)
    if not can_report(user, ret.organisation):
        raise EvidenceError("Only the organisation's admins and reporters can change a return's evidence.")
    if not ret.is_editable:
        raise EvidenceError(f"This return is {ret.get_status_display().lower()} and cannot be changed.")
    return ret


@transaction.atomic
def add_evidence(ret, user, upload, description=""):
    ret = _editable(ret, user)
    content_type = check_file(upload)
    name = os.path.basename(upload.name)[:200]
    evidence = Evidence(
        return_obj=ret,
        name=name,
        size=upload.size,
        content_type=content_type,
        description=(description or "").strip()[:300],
        uploaded_by=user,
    )
    evidence.file.save(name, upload, save=False)
    stored = evidence.file.name
    try:  # if the row cannot be saved, do not leave the file behind
        evidence.save()
    except Exception:
        evidence.file.storage.delete(stored)
        raise
    return evidence


@transaction.atomic
def delete_evidence(ret, user, evidence_pk):
    ret = _editable(ret, user)
    evidence = ret.evidence.filter(pk=evidence_pk).first()
    if evidence is None:
        raise EvidenceError("That file is not on this return.")
    storage, stored = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    return evidence


@transaction.atomic
def add_case_study(ret, user, *, title, story, outcome="", consent_to_publish=False):
    ret = _editable(ret, user)
    title, story = (title or "").strip(), (story or "").strip()
    if not title or not story:
        raise EvidenceError("Give the case study a title and tell its story.")
    case_study = CaseStudy(
        return_obj=ret, title=title, story=story, outcome=(outcome or "").strip(),
        consent_to_publish=bool(consent_to_publish),
    )
    try:
        case_study.full_clean()
    except ValidationError as exc:
        raise EvidenceError(" ".join(exc.messages)) from None
    case_study.save()
    return case_study


@transaction.atomic
def delete_case_study(ret, user, case_pk):
    ret = _editable(ret, user)
    case_study = ret.case_studies.filter(pk=case_pk).first()
    if case_study is None:
        raise EvidenceError("That case study is not on this return.")
    case_study.delete()  # the history keeps it
    return case_study
