"""Demo CLPs and people for `manage.py seed_demo`. Safe to run again: it converges."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction

from .models import CLP, Membership, Role, User
from .services import clp_set_districts

DEMO_PASSWORD = "solidarity-forever"  # noqa: S105 - demo accounts only, refused in production


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str
    clp_slug: str


DEMO_CLPS = [
    ("Hackney North & Stoke Newington", "hackney-north", ["N16", "E5", "E8", "N4"]),
    ("Hackney South & Shoreditch", "hackney-south", ["E2", "E9", "N1"]),
]

DEMO_PEOPLE = [
    DemoPerson("tulo@example.org", "Priya Sharma", Role.TULO, "hackney-north"),
    DemoPerson("secretary@example.org", "Jo Okafor", Role.EXECUTIVE, "hackney-north"),
    DemoPerson("member@example.org", "Sam Whitfield", Role.MEMBER, "hackney-north"),
    DemoPerson("tulo.south@example.org", "Dev Mistry", Role.TULO, "hackney-south"),
]


@transaction.atomic
def is_seeded() -> bool:
    return CLP.objects.filter(slug__in=[slug for _, slug, _ in DEMO_CLPS]).exists()


def seed() -> dict[str, CLP]:
    clps: dict[str, CLP] = {}
    for name, slug, districts in DEMO_CLPS:
        clp, _ = CLP.objects.update_or_create(slug=slug, defaults={"name": name})
        clp_set_districts(clp=clp, districts=districts)
        clps[slug] = clp
    for person in DEMO_PEOPLE:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User.objects.create_user(person.email, DEMO_PASSWORD, name=person.name)
        EmailAddress.objects.update_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(
            user=user, clp=clps[person.clp_slug], defaults={"role": person.role}
        )
        # TULOs and executives must have two-factor sign-in. The demo's accounts have an
        # authenticator set up; with the local settings' bypass code any of them signs in.
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if person.role in (Role.TULO, Role.EXECUTIVE) and not has_totp.exists():
            TOTP.activate(user, generate_totp_secret())
    return clps


def demo_two_factor_code() -> str | None:
    """The code that passes two-factor sign-in in this demo, if the settings allow one."""
    return getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None) if settings.DEBUG else None
