"""What each app offers the privacy app about the people in its records, and where it says so.

The privacy app sits on the ground floor beside `clps`: it reads the account and memberships
there itself, and every higher app that holds personal data registers a `PersonalData` of its
own (in its `personal_data.py`) from its `AppConfig.ready()`. The higher app calls down; the
privacy app never imports it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import QuerySet

from clps.models import CLP, User


class AddressRecord(Protocol):
    """A row an app holds under an email address alone, with no account: a subscription, a
    picket line sign-up made from the weekly email or the public page. Read only."""

    @property
    def pk(self) -> Any: ...

    @property
    def clp_id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...  # a field, or "" for a row that holds no name


@dataclass
class Person:
    """Whoever the address belongs to, within a scope: one CLP's records, or the whole site."""

    email: str
    clp: CLP | None
    user: User | None = None
    # The address asked about and, for an account, every address it has used.
    emails: list[str] = field(default_factory=list)
    # What apps hold under those addresses without an account, each app's own rows.
    records: list[AddressRecord] = field(default_factory=list)
    # Within a CLP: the same address looked up across the whole site, for what others hold.
    whole_site: "Person | None" = None

    @property
    def found(self) -> bool:
        return self.user is not None or bool(self.records)

    @property
    def everywhere(self) -> "Person":
        """The person as the whole site holds them."""
        return self.whole_site or self

    @property
    def names(self) -> list[str]:
        """Every name given with the address, longest first, each once whatever its case."""
        seen: dict[str, str] = {}
        for name in [self.user.name if self.user else "", *(r.name for r in self.records)]:
            name = " ".join(name.split())
            if name:
                seen.setdefault(name.lower(), name)
        return sorted(seen.values(), key=len, reverse=True)


@dataclass
class Erasure:
    """What an erasure did, in counts only."""

    account: bool = False
    # What went, and what stays counted without them, each by its plural name as the TULO says
    # it: {"subscriptions": 2, "photos": 1}; {"picket visits": 1}. Only what there was.
    erased: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    text_rows: int = 0
    history_rows: int = 0
    # The CLPs whose records held them: each gets a line in its audit log.
    clp_ids: set[int] = field(default_factory=set)

    @property
    def found(self) -> bool:
        return self.account or bool(self.erased) or bool(self.text_rows)

    def count(self, what: str, n: int, *, kept: bool = False) -> None:
        if n:
            tally = self.kept if kept else self.erased
            tally[what] = tally.get(what, 0) + n


@dataclass(frozen=True)
class History:
    """One edit history a CLP's audit log reads."""

    kind: str  # what the log calls its rows: "Picket visit"
    # Its place among rows of the same moment. Fixed and distinct (the log's own events come
    # after all of these, at 4), since a page's cursor carries it.
    rank: int
    rows: QuerySet  # the history rows of the CLP's records
    describe: Callable[[Any], str]  # what one row is about, from the row alone: no query
    not_diffed: tuple[str, ...] = ()  # fields that cost a query to compare


def short_date(day: datetime.date) -> str:
    """A day as the audit log writes it: 3 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


def log_text(text: str, *, about: object = None) -> str:
    """An audit log line's record, with what it belongs to (a dispute) when it has one."""
    about = str(about or "")
    return f"{text} · {about}" if about else text


class PersonalData:
    """The protocol: what one app holds about people. Each hook covers only the app's own
    models, and does nothing unless the app overrides it."""

    # The sections of the app's copy that the erasure review counts: (key, label).
    review: tuple[tuple[str, str], ...] = ()

    def held_by_address(self, *, emails: list[str]) -> list[AddressRecord]:
        """Rows held under any of these addresses (lower-cased or not), in every CLP."""
        return []

    def user_ties(self, *, user: User, clp: CLP, elsewhere: bool = False) -> bool:
        """Whether the CLP's records (or, `elsewhere`, any other CLP's) name the account."""
        return False

    def export(self, *, person: Person) -> dict[str, Any]:
        """Sections of the person's copy, within the person's scope, as JSON-ready data."""
        return {}

    def erase(self, *, person: Person, by: User, result: Erasure) -> None:
        """Remove the person's rows, in the caller's transaction, before their account goes;
        count what went in `result`."""

    def retention(self, *, now: datetime.datetime | None = None) -> dict[str, int]:
        """Delete what has been kept long enough; how many rows of each kind went."""
        return {}

    def notice(self) -> dict[str, int]:
        """The periods the privacy notice states, as its template names them."""
        return {}

    def audit_histories(self, *, clp: CLP) -> list[History]:
        """The edit histories of the CLP's records that its audit log shows."""
        return []


_providers: dict[str, PersonalData] = {}


def register(label: str, provider: PersonalData) -> None:
    """Called from an app's `ready()`; registering again replaces."""
    _providers[label] = provider


def providers() -> list[PersonalData]:
    """Every app's, in a fixed order (by app label) whatever the order of INSTALLED_APPS."""
    return [_providers[label] for label in sorted(_providers)]
