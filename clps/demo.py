"""Demo CLPs and people for `manage.py seed_demo`. Safe to run again: it converges."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import transaction

from .models import CLP, JoinRequest, Membership, Role, User
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

# Someone who has asked to join and waits for the TULO, so the dashboard shows a request.
DEMO_APPLICANT = DemoPerson("newcomer@example.org", "Alex Rivera", Role.MEMBER, "hackney-north")


@transaction.atomic
def is_seeded() -> bool:
    return CLP.objects.filter(slug__in=[slug for _, slug, _ in DEMO_CLPS]).exists()


def _account(person: DemoPerson) -> User:
    user = User.objects.filter(email=person.email).first()
    if user is None:
        user = User.objects.create_user(person.email, DEMO_PASSWORD, name=person.name)
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"verified": True, "primary": True}
    )
    return user


def _seed_applicant(clps: dict[str, CLP]) -> None:
    """A request waits unless the applicant has been let in (the demo's TULO may have approved
    it); a declined one is asked again, so there is always one to try."""
    clp = clps[DEMO_APPLICANT.clp_slug]
    user = _account(DEMO_APPLICANT)
    if Membership.objects.filter(clp=clp, user=user).exists():
        return
    if not JoinRequest.objects.filter(clp=clp, user=user, decided_at__isnull=True).exists():
        JoinRequest.objects.create(clp=clp, user=user)


def seed() -> dict[str, CLP]:
    clps: dict[str, CLP] = {}
    for name, slug, districts in DEMO_CLPS:
        clp, _ = CLP.objects.update_or_create(slug=slug, defaults={"name": name})
        clp_set_districts(clp=clp, districts=districts)
        clps[slug] = clp
    for person in DEMO_PEOPLE:
        user = _account(person)
        Membership.objects.update_or_create(
            user=user, clp=clps[person.clp_slug], defaults={"role": person.role}
        )
        # TULOs and executives must have two-factor sign-in. The demo's accounts have an
        # authenticator set up; with the local settings' bypass code any of them signs in.
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        if person.role in (Role.TULO, Role.EXECUTIVE) and not has_totp.exists():
            TOTP.activate(user, generate_totp_secret())
    _seed_applicant(clps)
    return clps


def demo_two_factor_code() -> str | None:
    """The code that passes two-factor sign-in in this demo, if the settings allow one."""
    return getattr(settings, "MFA_TOTP_INSECURE_BYPASS_CODE", None) if settings.DEBUG else None
