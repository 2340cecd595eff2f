"""Celery tasks of the charter app: thin wrappers that send e-mails."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from charter.models import Signature, User


@shared_task
def send_signature_confirmation(signature_id, site_url=None):
    from charter.services import confirmation_max_age, make_confirmation_token, needs_new_account

    signature = Signature.objects.select_related("organisation", "version").get(pk=signature_id)
    visitor_claim = signature.claims_organisation and signature.claimant_id is None
    link = (site_url or settings.SITE_URL) + reverse("charter:confirm", args=[make_confirmation_token(signature)])
    context = {
        "signature": signature,
        "link": link,
        "days": confirmation_max_age() // 86400,
        # Told only to the address's owner, never on the signing pages: a visitor's claim makes
        # the account of this address, unless it has one already.
        "new_account": needs_new_account(signature),
        "existing_account": visitor_claim and User.objects.filter(email__iexact=signature.signatory_email).exists(),
    }
    send_mail(
        subject=f"Confirm {signature.organisation.name}'s signature of the Social Value Charter",
        message=render_to_string("charter/emails/confirm_signature.txt", context),
        from_email=None,
        recipient_list=[signature.signatory_email],
    )
