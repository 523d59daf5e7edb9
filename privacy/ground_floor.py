"""The ground floor's requests to join and invitations, offered through the registry like any
app's records. `clps` imports no other app, so the privacy app registers its part for it; what
is held, copied, erased and kept how long is written in clps.personal_data."""

import datetime
from typing import Any

from clps.models import CLP, Invitation, User
from clps.personal_data import (
    JOINING_DAYS,
    invitations_to,
    joining_erase,
    joining_export,
    joining_retention,
    joining_ties,
)

from .registry import AddressRecord, Erasure, Person, PersonalData


class JoiningPersonalData(PersonalData):
    review = (("join_requests", "Requests to join"), ("invitations", "Invitations"))

    def held_by_address(self, *, emails: list[str]) -> list[AddressRecord]:
        return list(invitations_to(emails).select_related("clp").order_by("clp__name", "pk"))

    def user_ties(self, *, user: User, clp: CLP, elsewhere: bool = False) -> bool:
        return joining_ties(user=user, clp=clp, elsewhere=elsewhere)

    def export(self, *, person: Person) -> dict[str, Any]:
        invitations = [r for r in person.records if isinstance(r, Invitation)]
        return joining_export(user=person.user, invitations=invitations, clp=person.clp)

    def erase(self, *, person: Person, by: User, result: Erasure) -> None:
        requests, invitations, clp_ids = joining_erase(user=person.user, emails=person.emails)
        result.count("join requests", requests)
        result.count("invitations", invitations)
        result.clp_ids |= clp_ids

    def retention(self, *, now: datetime.datetime | None = None) -> dict[str, int]:
        return joining_retention(now=now)

    def notice(self) -> dict[str, int]:
        return {"joining_days": JOINING_DAYS}
