from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clps.models import CLP
from newsletters.models import Digest, DigestStatus
from newsletters.selectors import active_subscribers
from newsletters.weekly import sending
from newsletters.weekly.content import build_content
from newsletters.weekly.render import no_ones_copy, render
from newsletters.weekly.schedule import covering_week, schedule_for


class Command(BaseCommand):
    help = "Build the CLP's weekly email now and send it (or, with --dry-run, only show it)."

    def add_arguments(self, parser):
        parser.add_argument("--clp", required=True, help="The CLP's slug, e.g. hackney-north.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Build and show it; send nothing."
        )

    def handle(self, *args, clp: str, dry_run: bool, **options) -> None:
        found = CLP.objects.filter(slug=clp).first()
        if found is None:
            slugs = ", ".join(CLP.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No CLP with the slug {clp!r}. CLPs: {slugs}.")
        # The email of the week that covers today, for the days it has left: running the
        # command again sends nothing more.
        schedule = schedule_for(found)
        digest, _ = Digest.objects.get_or_create(
            clp=found, week_start=covering_week(schedule, timezone.localdate())
        )
        recipients = active_subscribers(found).count()
        if dry_run:
            rendered = render(build_content(digest, schedule=schedule))
            text = no_ones_copy(
                rendered.text,
                found.slug,
                unsubscribe_url="(each subscriber's unsubscribe link)",
                manage_url="(each subscriber's link to change details)",
            )
            self.stdout.write(f"Subject: {rendered.subject}\n\n{text}")
            self.stdout.write(f"Would go to {recipients} subscriber(s). Nothing was sent.")
            return
        if digest.status == DigestStatus.HELD:
            Digest.objects.filter(pk=digest.pk).update(status=DigestStatus.DRAFT)
        sent = sending.send_all(digest.pk)
        digest.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Week of {digest.week_start:%d %b %Y}: {digest.get_status_display()}; "
                f"sent to {sent} recipient(s)."
            )
        )
