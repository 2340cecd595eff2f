"""Format checks for the identifiers an organisation gives: Companies House, charity, NHS ODS.

Each normaliser tidies what people type (spaces, lower case, missing leading zeros) and each
validator rejects what cannot be a real identifier with a message that shows a good example.
"""

import re

from django.core.exceptions import ValidationError

# Companies House: 8 digits (England and Wales) or a two-letter register prefix and 6 digits.
_COMPANY_PREFIXES = {
    "SC", "NI", "OC", "SO", "NC", "R0", "IP", "SP", "RC", "SR", "NP", "NO", "NV", "IC", "SI",
    "NL", "SL", "LP", "FC", "SF", "NF", "GE", "GS", "GN", "CE", "CS", "PC", "RS", "SE", "ES",
    "AC", "SA", "NA", "ZC", "SZ", "NZ", "OE", "BR", "IS", "NR", "SG", "FE", "GB",
}  # fmt: skip
_COMPANY_RE = re.compile(r"^(?:\d{8}|([A-Z][A-Z0-9])\d{6})$")
_CHARITY_RE = re.compile(r"^(?:\d{6,7}(?:-\d{1,2})?|SC\d{6}|NIC\d{6})$")
_ODS_RE = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{3,6}$")


def _squash(value):
    return re.sub(r"\s+", "", value or "").upper()


def normalise_company_number(value):
    value = _squash(value)
    if value.isdigit() and 5 <= len(value) < 8:
        value = value.zfill(8)  # people often drop the leading zeros
    return value


def validate_company_number(value):
    match = _COMPANY_RE.match(value or "")
    if not match or (match.group(1) and match.group(1) not in _COMPANY_PREFIXES):
        raise ValidationError(
            "Enter a Companies House number of 8 characters, like 01234567 or SC123456.",
            code="invalid_company_number",
        )


def normalise_charity_number(value):
    return _squash(value)


def validate_charity_number(value):
    if not _CHARITY_RE.match(value or ""):
        raise ValidationError(
            "Enter a registered charity number: 6 or 7 digits for England and Wales "
            "(like 1012345), SC and 6 digits for Scotland (like SC012345), "
            "or NIC and 6 digits for Northern Ireland (like NIC100002).",
            code="invalid_charity_number",
        )


def normalise_ods_code(value):
    return _squash(value)


def validate_ods_code(value):
    if not _ODS_RE.match(value or ""):
        raise ValidationError(
            "Enter an NHS ODS code of 3 to 6 letters and numbers, like RBN, QYG or N81001.",
            code="invalid_ods_code",
        )
