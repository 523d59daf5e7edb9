"""Demo CLPs and people for `manage.py seed_demo`. Safe to run again: it converges."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
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
    return clps
