"""A reference on each charter certificate that anyone can check on the public register.

The reference names the signature and carries a short keyed digest of it, so it cannot be made
up for another signature: SVC-<number>-<XXXX>-<XXXX>. The verification page recomputes it.
"""

import base64
import re

from django.utils.crypto import constant_time_compare, salted_hmac

from charter.models import Signature

_SALT = "charter.certificate.reference"
_PATTERN = re.compile(r"SVC-(\d{1,12})-([A-Z2-7]{4})-?([A-Z2-7]{4})")


def _code(signature):
    digest = salted_hmac(_SALT, f"{signature.pk}:{signature.organisation_id}:{signature.live_from.isoformat()}").digest()
    return base64.b32encode(digest).decode()[:8]


def reference_for(signature):
    """The certificate's reference, for a signature that has gone live."""
    code = _code(signature)
    return f"SVC-{signature.pk}-{code[:4]}-{code[4:]}"


def signature_for_reference(reference):
    """The signature a reference belongs to, or None if it is not a genuine reference."""
    match = _PATTERN.fullmatch("".join((reference or "").split()).upper())
    if not match:
        return None
    pk, code = int(match.group(1)), match.group(2) + match.group(3)
    signature = (
        Signature.objects.select_related("organisation", "version")
        .defer("version__body", "version__summary")
        .filter(pk=pk, live_from__isnull=False)
        .first()
    )
    if signature is None or not constant_time_compare(_code(signature), code):
        return None
    return signature
