from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from clps import demo as clp_demo
from newsletters import demo as newsletters_demo
from pickets import demo as pickets_demo
from strikes import demo as strikes_demo


class Command(BaseCommand):
    help = "Create or refresh the demo CLPs, people and records. Safe to run more than once."

    def handle(self, *args, **options) -> None:
        if not getattr(settings, "SEED_DEMO_ALLOWED", False):
            raise CommandError(
                "seed_demo creates accounts with a published password, so these settings refuse "
                "it. Use the local settings (make run) or set SEED_DEMO_ALLOWED."
            )
        # A second run refreshes the demo's dates in place: that is no edit of anyone's, so it
        # leaves no entries in the records' edit history (make run seeds at every start).
        refreshing = clp_demo.is_seeded()
        with override_settings(SIMPLE_HISTORY_ENABLED=not refreshing):
            clps = clp_demo.seed()
            unions = strikes_demo.seed(clps)
            pickets_demo.seed(clps)
            newsletters_demo.seed(clps)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(clps)} CLPs, {len(unions)} unions.")
        )
        self.stdout.write(f"Demo logins (password for all: {clp_demo.DEMO_PASSWORD}):")
        for person in clp_demo.DEMO_PEOPLE:
            self.stdout.write(
                f"  {person.role:<10} {person.email:<26} {person.name}, {person.clp_slug}"
            )
        applicant = clp_demo.DEMO_APPLICANT
        self.stdout.write(
            f"  {'asking':<10} {applicant.email:<26} {applicant.name}, waits to join "
            f"{applicant.clp_slug}"
        )
        code = clp_demo.demo_two_factor_code()
        if code:
            self.stdout.write(f"TULOs and the executive are asked for a two-factor code: {code}")
