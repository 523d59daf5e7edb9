"""Erasure on request: the person goes from every table and from the edit history, what they
did stays counted without them, and the address is never emailed again."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.models import HistoricalChanges

from clps.audit import record_event
from clps.models import CLP, AuditAction, User
from clps.personal_data import account_erase, membership_clp_ids, outgoing_mail_erase

from .access import check_may_act
from .mentions import person_patterns, scrub, text_mentions
from .people import person_find, user_ties
from .registry import Erasure, Person, providers

ONLY_A_SITE_ADMIN = "This person's data can only be erased by a site admin: ask one to do it."


def check_may_erase(*, person: Person, by: User) -> None:
    """Within a CLP, its TULO may erase someone whom only that CLP's records hold; anyone also
    held by another CLP, or a site admin, is for a site admin to erase, so that no CLP removes
    another's records."""
    check_may_act(by=by, clp=person.clp)
    _check_erasable(person=person, by=by)


def _check_erasable(*, person: Person, by: User) -> None:
    """check_may_erase, for a caller that has already checked who may act."""
    user = person.user
    if user is not None and user.pk == by.pk:
        raise ValidationError("You cannot erase your own account here: ask a site admin.")
    clp = person.clp
    if clp is None:
        return
    everywhere = person.everywhere
    if (
        (everywhere.user is not None and everywhere.user != user)
        or (user is not None and (user.is_staff or user_ties(user=user, clp=clp, elsewhere=True)))
        or any(r.clp_id != clp.pk for r in everywhere.records)
    ):
        raise ValidationError(ONLY_A_SITE_ADMIN)


def _scrub_text(*, needles: list[str], patterns: list[re.Pattern], result: Erasure) -> None:
    """Replace the address and full names wherever they were typed or copied: notes, reports,
    the edit history's copies of them, the admin's log."""
    for mention in text_mentions(needles=needles, patterns=patterns):
        changes = {}
        for name in mention.fields:
            value = mention.values[name]
            scrubbed = scrub(value, patterns)
            if scrubbed != value:
                changes[name] = scrubbed
        if changes:
            mention.model._base_manager.filter(pk=mention.pk).update(**changes)
            result.text_rows += 1
            if issubclass(mention.model, HistoricalChanges):
                result.history_rows += 1


def person_erase(*, email: str, by: User, clp: CLP | None = None) -> Erasure:
    """Remove the person with this address from every table and from the edit history, in one
    transaction, and never email the address again.

    What they did stays counted without them: a visit keeps its number of members and its
    place in reports (the erased person's place in it taken by an account that holds nothing
    about them), money raised stays in the ledger, and history rows stay with their names and
    address replaced. The address goes on the do-not-email list as a keyed hash only.

    With `clp`, a TULO of that CLP erases someone only that CLP holds; without, a site admin
    erases anyone.
    """
    check_may_act(by=by, clp=clp)
    scoped = person_find(email=email, clp=clp)
    if clp is not None and not scoped.found:
        raise ValidationError("This CLP holds nothing under that address.")
    _check_erasable(person=scoped, by=by)
    person = scoped.everywhere
    needles, patterns = person_patterns(person)
    result = Erasure(clp_ids={r.clp_id for r in person.records})
    with transaction.atomic():
        # A TULO's erasure reaches their own CLP's emails; a site admin's, every CLP's. First,
        # so that each is counted before a suppression withdraws the ones not yet sent; told
        # last, after what the person was.
        emails = outgoing_mail_erase(emails=person.emails, clp=clp)
        for provider in providers():
            provider.erase(person=person, by=by, result=result)
        result.count("emails", emails)
        if person.user is not None:
            result.account = True
            result.clp_ids |= membership_clp_ids(person.user)
            result.sessions = account_erase(user=person.user)
        _scrub_text(needles=needles, patterns=patterns, result=result)
        for clp_id in [*sorted(result.clp_ids), None]:
            record_event(
                action=AuditAction.PERSON_ERASED, clp=clp_id, actor=by, object_type="person"
            )
    return result


def _counted(n: int, plural: str) -> str:
    # Every name an app counts an erasure in is a regular plural.
    return f"{n} {plural if n != 1 else plural.removesuffix('s')}"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def erasure_message(result: Erasure) -> str:
    """What an erasure did, in the words of the TULO who asked for it: only what there was."""
    erased = (["their account"] if result.account else []) + [
        _counted(n, what) for what, n in result.erased.items()
    ]
    said = [f"Erased {_listed(erased)}." if erased else "Nothing was held under that address."]
    if result.text_rows:
        records = _counted(result.text_rows, "other records")
        said.append(f"Their name and address are removed from {records} that mentioned them.")
    said.append("The address is never emailed again.")
    said += [
        f"{_counted(n, what)} {'stays' if n == 1 else 'stay'} counted without them."
        for what, n in result.kept.items()
    ]
    return " ".join(said)
