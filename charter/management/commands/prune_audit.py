"""Delete audit events older than a number of days (the log is otherwise kept indefinitely)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from charter.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit log events older than --days days (at least 30). Without it nothing is deleted."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="Keep this many days of events (30 or more).")

    def handle(self, *args, days, **options):
        if days < 30:
            raise CommandError("Keep at least 30 days of the audit log: --days 30 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"{deleted} audit event(s) older than {days} days deleted.")
