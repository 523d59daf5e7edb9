from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.db import transaction

from . import public_cache
from .models import CLP, Membership, PostcodeDistrict, Role, User
from .postcodes import DISTRICT_RE


def parse_districts(text: str) -> list[str]:
    """'n16, E5  e8' -> ['E5', 'E8', 'N16']; a bad district raises ValidationError naming it."""
    parts = [p.strip().upper() for p in text.replace(",", " ").split() if p.strip()]
    bad = [p for p in parts if not DISTRICT_RE.match(p)]
    if bad:
        raise ValidationError(
            "%(bad)s is not a postcode district. Use the first half of a postcode, "
            "such as N16 or E5, separated by commas.",
            params={"bad": ", ".join(bad)},
            code="bad_district",
        )
    return sorted(set(parts))


@transaction.atomic
def clp_set_districts(*, clp: CLP, districts: list[str]) -> None:
    PostcodeDistrict.objects.filter(clp=clp).exclude(district__in=districts).delete()
    existing = set(PostcodeDistrict.objects.filter(clp=clp).values_list("district", flat=True))
    PostcodeDistrict.objects.bulk_create(
        [PostcodeDistrict(clp=clp, district=d) for d in districts if d not in existing]
    )
    # Its calendar's local disputes follow the districts; bulk_create() sends no signals.
    public_cache.bump_clps([clp.pk])


@transaction.atomic
def clp_settings_save(*, clp: CLP, districts: list[str], open_joining: bool) -> None:
    clp_set_districts(clp=clp, districts=districts)
    CLP.objects.filter(pk=clp.pk).update(open_joining=open_joining)
    clp.open_joining = open_joining
    public_cache.bump_clps([clp.pk])  # update() sends no signals


def clp_join(*, clp: CLP, user: User) -> Membership:
    """A signed-in user joins a CLP as a member; joining twice changes nothing. Whether they
    may join at once, or must ask, is for clps.joining.clp_join."""
    membership, _ = Membership.objects.get_or_create(
        clp=clp, user=user, defaults={"role": Role.MEMBER}
    )
    return membership


def _keeps_a_tulo(membership: Membership) -> bool:
    return (
        Membership.objects.filter(clp_id=membership.clp_id, role=Role.TULO)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.TULO and role != Role.TULO and not _keeps_a_tulo(membership):
        raise ValidationError(
            "A CLP needs at least one TULO. Make someone else TULO before changing this role."
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.TULO and not _keeps_a_tulo(membership):
        raise ValidationError(
            "A CLP needs at least one TULO. Make someone else TULO before removing this one."
        )
    membership.delete()


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """The user can no longer sign in, and every session they have open ends now: a browser
    left signed in keeps nothing, even if the account is later made active again."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    # allauth records each sign-in's session, so ending them needs no scan of every session.
    for session in UserSession.objects.filter(user=user):
        session.end()
