"""Who may give a copy of a person's data or erase it: a site admin for the whole site, a TULO
for their own CLP, each with two-factor sign-in."""

from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied

from clps.models import CLP, Membership, Role, User


def is_site_admin(user: User) -> bool:
    """A site admin may act for anyone on the site, once two-factor sign-in is set up."""
    return user.is_authenticated and user.is_active and user.is_staff and is_mfa_enabled(user)


def is_tulo_of(user: User, clp: CLP) -> bool:
    return Membership.objects.filter(user=user, clp=clp, role=Role.TULO).exists()


def check_may_act(*, by: User, clp: CLP | None) -> None:
    """A site admin for the whole site; a TULO with two-factor sign-in for their own CLP."""
    if clp is None:
        if not is_site_admin(by):
            raise PermissionDenied("Only a site admin with two-factor sign-in can do this.")
    elif not (is_tulo_of(by, clp) and is_mfa_enabled(by)):
        raise PermissionDenied("Only the CLP's TULO, with two-factor sign-in, can do this.")
