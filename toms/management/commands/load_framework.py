"""Load (or update) the C&M TOM framework from fixtures/tom_framework.json. Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from toms.models import Measure
from toms.services import FRAMEWORK_FIXTURE, FrameworkFileError, load_framework


class Command(BaseCommand):
    help = "Load the TOM framework (themes, outcomes, measures) from a fixture; safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(FRAMEWORK_FIXTURE), help="Framework JSON file.")

    def handle(self, *args, **options):
        try:
            report = load_framework(options["file"])
        except FrameworkFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 2:
            for line in report.created:
                self.stdout.write(f"  created {line}")
        for line in report.updated:  # always worth seeing: the fixture changed a row
            self.stdout.write(f"  updated {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Framework loaded: {report.summary()}. "
                f"The catalogue has {Measure.objects.count()} measures."
            )
        )
