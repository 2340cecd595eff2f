"""Celery tasks of the commitments app: e-mails about returns and the reminders before and after
each quarter's deadline. Thin wrappers over services and selectors."""

import datetime as dt
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string

from charter.models import COMMISSIONING_ROLES, REPORTING_ROLES, Membership
from commitments.due import deadline_of, due_on_contracts
from commitments.models import Contract, ReminderKind, Return, ReturnReminder


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


def _reminder_kind(quarter, today):
    """The reminder a quarter's due returns need today: overdue, due soon, or none yet."""
    deadline = deadline_of(quarter)
    if deadline < today:
        return ReminderKind.OVERDUE
    if deadline - today <= dt.timedelta(days=settings.RETURN_REMINDER_DAYS_BEFORE):
        return ReminderKind.DUE_SOON
    return None


def _reminders_due(today):
    """(item, kind) for every return that needs a reminder today and has not had it, to a
    supplier with someone to remind: chosen in SQL (a query per quarter), so a day with nothing
    to send loads nothing."""
    due = due_on_contracts(Contract.objects.all(), today=today)
    kinds = {q: kind for q in due.quarters if (kind := _reminder_kind(q, today))}
    someone = Membership.objects.filter(
        organisation=OuterRef("supplier_id"), role__in=REPORTING_ROLES, user__is_active=True
    )

    def not_yet_reminded(quarter):
        sent = ReturnReminder.objects.filter(
            organisation=OuterRef("supplier_id"), contract=OuterRef("pk"),
            year=quarter.year, quarter=quarter.number, kind=kinds[quarter],
        )
        return Exists(someone) & ~Exists(sent)

    for item in due.where({q: not_yet_reminded(q) for q in kinds}):
        yield item, kinds[item.quarter]


def _reporters_by_organisation(organisation_ids):
    """Active reporters' addresses per organisation, in one query."""
    reporters = defaultdict(list)
    rows = Membership.objects.filter(
        organisation_id__in=organisation_ids, role__in=REPORTING_ROLES, user__is_active=True
    ).values_list("organisation_id", "user__email")
    for organisation_id, email in rows:
        reporters[organisation_id].append(email)
    return reporters


def _reminder_message(item, kind, recipients, link):
    subject = (
        f"Overdue: the {item.quarter} social value return for {item.contract.reference}"
        if kind == ReminderKind.OVERDUE
        else f"Due {item.deadline:%d %B}: the {item.quarter} social value return for {item.contract.reference}"
    )
    body = render_to_string("commitments/emails/return_reminder.txt", {"item": item, "kind": kind, "link": link})
    return EmailMessage(subject=subject, body=body, to=recipients)


@shared_task
def send_return_reminders(today=None):
    """Remind reporters before a return is due and once it is overdue; each reminder once.

    A bounded number of queries whatever the number of returns: the returns needing a reminder
    (not yet sent) are read with a query per quarter, the reporters in one, the new reminders
    written in one.
    """
    today = dt.date.fromisoformat(today) if today else dt.date.today()
    due = list(_reminders_due(today))
    if not due:
        return 0
    reporters = _reporters_by_organisation({item.organisation.pk for item, _ in due})
    due = [(item, kind) for item, kind in due if reporters.get(item.organisation.pk)]
    if not due:
        return 0
    reminders = [
        ReturnReminder(
            organisation=item.organisation, contract=item.contract, year=item.quarter.year,
            quarter=item.quarter.number, kind=kind, recipients=len(reporters[item.organisation.pk]),
        )
        for item, kind in due
    ]
    try:
        with transaction.atomic():
            ReturnReminder.objects.bulk_create(reminders)
    except IntegrityError:
        # Another run recorded some of these a moment ago: record (and send) the rest one by one.
        due = [(item, kind) for (item, kind), reminder in zip(due, reminders, strict=True) if _record(reminder)]
    link = settings.SITE_URL + "/returns/"
    messages = [_reminder_message(item, kind, reporters[item.organisation.pk], link) for item, kind in due]
    with get_connection() as connection:  # one connection to the mail server for all of them
        connection.send_messages(messages)
    return len(messages)


def _record(reminder):
    reminder.pk = None
    try:
        with transaction.atomic():
            reminder.save()
    except IntegrityError:
        return False  # already reminded
    return True
