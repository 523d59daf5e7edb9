from django.core.management.base import BaseCommand, CommandError

from clps.models import CLP
from newsletters.monthly import services
from newsletters.monthly.schedule import parse_month


class Command(BaseCommand):
    help = (
        "Draft the CLP's newsletter union-updates section for a month now, from the records. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clp", required=True, help="The CLP's slug, e.g. hackney-north.")
        parser.add_argument(
            "--month", required=True, help="The month it reports on, as YYYY-MM, e.g. 2026-10."
        )

    def handle(self, *args, clp: str, month: str, **options) -> None:
        found = CLP.objects.filter(slug=clp).first()
        if found is None:
            slugs = ", ".join(CLP.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No CLP with the slug {clp!r}. CLPs: {slugs}.")
        try:
            first = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        section, made = services.section_build(clp=found, month=first)
        url = services.section_url(section)
        if made:
            self.stdout.write(
                self.style.SUCCESS(f"Drafted the union updates for {first:%B %Y}, {found.name}.")
            )
        else:
            self.stdout.write(
                f"The union updates for {first:%B %Y}, {found.name}, were already drafted "
                f"({section.status.label.lower()}); nothing changed."
            )
        self.stdout.write(f"See it at {url}")
