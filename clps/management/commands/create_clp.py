from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.utils.text import slugify

from clps.joining import INVITATION_LIFETIME, clp_create_with_tulo


class Command(BaseCommand):
    help = (
        "Create a CLP and invite its first TULO by email. The invitation link is emailed and "
        f"printed, and works for {INVITATION_LIFETIME.days} days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help='The CLP\'s name, e.g. "Hackney North".')
        parser.add_argument(
            "--slug", help="Its address on the site; made from the name if left out."
        )
        parser.add_argument("--tulo", required=True, help="The email address to invite as TULO.")

    def handle(self, *args, name: str, slug: str | None, tulo: str, **options) -> None:
        name = " ".join(name.split())
        slug = slug or slugify(name)
        try:
            if not name:
                raise ValidationError("Give the CLP a name.")
            validate_slug(slug)
            validate_email(tulo.strip())
            clp, url = clp_create_with_tulo(name=name, slug=slug, tulo_email=tulo)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {clp.name} at /c/{clp.slug}/."))
        self.stdout.write(f"Invitation to {tulo.strip()} as TULO, emailed; its link:")
        self.stdout.write(url)
