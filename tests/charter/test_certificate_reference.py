"""Each certificate carries a reference that anyone can check on the public register."""

import pytest
from django.urls import reverse

from charter.certificates import reference_for, signature_for_reference
from tests.factories import LiveSignatureFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_reference_names_its_signature_and_cannot_be_made_up():
    signature, other = LiveSignatureFactory(), LiveSignatureFactory()
    reference = reference_for(signature)
    assert reference.startswith(f"SVC-{signature.pk}-")
    assert signature_for_reference(reference) == signature
    assert signature_for_reference(reference.lower().replace("-", " - ")) == signature  # forgiving of typing
    forged = f"SVC-{other.pk}-" + reference.split("-", 2)[2]
    assert signature_for_reference(forged) is None
    assert signature_for_reference("nonsense") is None


def test_anyone_can_check_a_live_certificate(client):
    signature = LiveSignatureFactory()
    page = client.get(reverse("charter:register-verify"), {"ref": reference_for(signature)})
    assert page.status_code == 200
    assert signature.organisation.name in page.text and "Live" in page.text
    assert signature.signatory_email not in page.text


def test_a_withdrawn_signature_is_said_to_be_no_longer_in_effect(client):
    signature = LiveSignatureFactory()
    reference = reference_for(signature)
    signature.status = "withdrawn"
    signature.save()
    page = client.get(reverse("charter:register-verify"), {"ref": reference})
    assert "No longer in effect" in page.text and signature.organisation.name in page.text


def test_a_wrong_reference_is_named(client):
    page = client.get(reverse("charter:register-verify"), {"ref": "SVC-1-AAAA-AAAA"})
    assert "No certificate has this reference" in page.text and "govuk-error-summary" in page.text


def test_the_certificate_prints_its_reference(client):
    signature = LiveSignatureFactory()
    admin = MembershipFactory(organisation=signature.organisation, role="admin").user
    client.force_login(admin)
    from charter import signature_views

    captured = {}
    original = signature_views.pdf_response

    def capture(template, context, filename):
        captured.update(context)
        return original(template, context, filename)

    signature_views.pdf_response = capture
    try:
        response = client.get(reverse("charter:certificate", args=[signature.organisation.pk]))
    finally:
        signature_views.pdf_response = original
    assert response.status_code == 200
    assert captured["reference"] == reference_for(signature)
    assert captured["verify_url"].endswith(f"/register/verify/?ref={captured['reference']}")
    from django.template.loader import render_to_string

    assert captured["reference"] in render_to_string("charter/certificate.html", captured)
