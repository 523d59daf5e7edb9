"""Finding a person by email address: their account and what each app holds under the address,
across the whole site or within one CLP."""

from clps.models import CLP, User
from clps.personal_data import account_with, addresses, memberships_tie

from .registry import Person, providers


def user_ties(*, user: User, clp: CLP, elsewhere: bool = False) -> bool:
    """Whether the CLP holds anything about this account: a membership, or records of its own
    that name them (picket sign-ups, visits, ...). With `elsewhere`, whether any other CLP does."""
    return memberships_tie(user=user, clp=clp, elsewhere=elsewhere) or any(
        p.user_ties(user=user, clp=clp, elsewhere=elsewhere) for p in providers()
    )


def person_find(*, email: str, clp: CLP | None = None) -> Person:
    """The account and subscriptions with this address. Within a CLP, only what that CLP
    holds: its subscribers, and the account only if the CLP's records name it. The whole
    site's lookup is kept with it (`whole_site`), for who may erase them."""
    email = email.strip()
    if not email:
        return Person(email=email, clp=clp)
    everywhere = Person(email=email, clp=None, user=account_with(email))
    everywhere.emails = addresses(email, everywhere.user)
    everywhere.records = [
        r for p in providers() for r in p.held_by_address(emails=everywhere.emails)
    ]
    return everywhere if clp is None else _within(everywhere, clp)


def _within(everywhere: Person, clp: CLP) -> Person:
    """The part of the whole site's lookup that the CLP holds, with no lookup of its own."""
    user = everywhere.user
    if user is not None and not user_ties(user=user, clp=clp):
        user = None
    # An account the CLP does not hold does not lend it the account's other addresses.
    emails = everywhere.emails if user is not None else addresses(everywhere.email, None)
    wanted = {e.lower() for e in emails}
    return Person(
        email=everywhere.email,
        clp=clp,
        user=user,
        emails=emails,
        records=[
            r
            for r in everywhere.records
            if r.clp_id == clp.pk and r.email.strip().lower() in wanted
        ],
        whole_site=everywhere,
    )
