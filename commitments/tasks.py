"""Celery tasks of the commitments app: e-mails about returns and the reminders before and after
each quarter's deadline. Thin wrappers over services and selectors."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, Membership, Organisation
from commitments.due import returns_due
from commitments.models import ReminderKind, Return, ReturnReminder


def _reporters(organisation_id):
    return list(
        Membership.objects.filter(
            organisation_id=organisation_id, role__in=REPORTING_ROLES, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def _reviewers(ret):
    if ret.contract_id is None:
        from charter.models import User

        return list(User.objects.filter(system_role="icb_admin", is_active=True).values_list("email", flat=True))
    return list(
        Membership.objects.filter(
            organisation_id=ret.contract.commissioner_id, role__in=COMMISSIONING_ROLES, user__is_active=True
        ).values_list("user__email", flat=True)
    )


SUBJECTS = {
    "submitted": "{org} submitted its {period} social value return for review",
    "approved": "Your {period} social value return has been approved",
    "changes_requested": "Changes requested to your {period} social value return",
}


@shared_task
def send_return_notification(return_id, kind, site_url=None):
    """E-mail the reviewer when a return is submitted, and the reporters when it is reviewed."""
    ret = Return.objects.select_related("organisation", "contract", "reviewed_by").get(pk=return_id)
    recipients = _reviewers(ret) if kind == "submitted" else _reporters(ret.organisation_id)
    if not recipients:
        return 0
    context = {"ret": ret, "kind": kind, "link": (site_url or settings.SITE_URL) + ret.get_absolute_url()}
    send_mail(
        subject=SUBJECTS[kind].format(org=ret.organisation.name, period=ret.period),
        message=render_to_string("commitments/emails/return_notification.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task
def send_return_reminders(today=None):
    """Remind reporters before a return is due and once it is overdue; each reminder once."""
    today = dt.date.fromisoformat(today) if today else dt.date.today()
    soon = dt.timedelta(days=settings.RETURN_REMINDER_DAYS_BEFORE)
    sent = 0
    for item in returns_due(Organisation.objects.all(), today=today):
        if item.deadline < today:
            kind = ReminderKind.OVERDUE
        elif item.deadline - today <= soon:
            kind = ReminderKind.DUE_SOON
        else:
            continue
        recipients = _reporters(item.organisation.pk)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                ReturnReminder.objects.create(
                    organisation=item.organisation,
                    contract=item.contract,
                    year=item.quarter.year,
                    quarter=item.quarter.number,
                    kind=kind,
                    recipients=len(recipients),
                )
        except IntegrityError:
            continue  # already reminded
        context = {"item": item, "kind": kind, "link": settings.SITE_URL + "/returns/"}
        send_mail(
            subject=(
                f"Overdue: the {item.quarter} social value return for {item.contract.reference}"
                if kind == ReminderKind.OVERDUE
                else f"Due {item.deadline:%d %B}: the {item.quarter} social value return for {item.contract.reference}"
            ),
            message=render_to_string("commitments/emails/return_reminder.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
        sent += 1
    return sent
