"""The CLP's elected representatives: keeping the list, and matching the representatives named on
picket visits to it.

A visit names a representative either by their record or, for someone not on the list, by a name
and an office typed in. A typed name is matched to a record where the name (whatever its case and
spacing) and the office agree: when the visit is saved, and when the record is added or changed,
so visits recorded before the list was kept count for the people on it.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from clps.models import CLP
from clps.pagination import Page, keyset_page

from .models import (
    OFFICE_ORDER,
    Answer,
    PicketInvitation,
    Representative,
    RepresentativeAttendance,
)


def same_name(name: str) -> str:
    """A name as the matching compares it: its words, in lower case."""
    return " ".join(name.split()).casefold()


@transaction.atomic
def representative_save(*, representative: Representative) -> Representative:
    representative.full_clean()
    representative.save()
    link_past_attendances(representatives=[representative])
    return representative


def link_past_attendances(*, representatives: Iterable[Representative]) -> int:
    """Point visits' typed names at these records where name and office agree; how many."""
    by_key: dict[tuple[int, str, str], int] = {
        (r.clp_id, same_name(r.name), r.office): r.pk for r in representatives
    }
    if not by_key:
        return 0
    clps = {clp_id for clp_id, _, _ in by_key}
    offices = {office for _, _, office in by_key}
    linked = 0
    unlinked = RepresentativeAttendance.objects.filter(
        representative__isnull=True, visit__clp_id__in=clps, office__in=offices
    ).values_list("pk", "visit__clp_id", "name", "office")
    matches: dict[int, list[int]] = {}
    for pk, clp_id, name, office in unlinked:
        rep_id = by_key.get((clp_id, same_name(name), office))
        if rep_id is not None:
            matches.setdefault(rep_id, []).append(pk)
    for rep_id, ids in matches.items():
        linked += RepresentativeAttendance.objects.filter(pk__in=ids).update(
            representative_id=rep_id
        )
    return linked


def match_typed(*, clp: CLP, typed: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(name, office) typed on a visit -> the id of the CLP's record they name, where one does."""
    wanted = {(same_name(name), office) for name, office in typed}
    if not wanted:
        return {}
    records = Representative.objects.filter(
        clp=clp, office__in={office for _, office in wanted}
    ).values_list("pk", "name", "office")
    found = {(same_name(name), office): pk for pk, name, office in records}
    return {
        (name, office): found[(same_name(name), office)]
        for name, office in typed
        if (same_name(name), office) in found
    }


def representatives(*, clp: CLP) -> QuerySet[Representative]:
    return Representative.objects.filter(clp=clp)


def in_office(*, clp: CLP, on: datetime.date) -> QuerySet[Representative]:
    """Who holds office on the day: those a visit or an invitation can name."""
    return representatives(clp=clp).filter(
        Q(active_from__isnull=True) | Q(active_from__lte=on),
        Q(active_until__isnull=True) | Q(active_until__gte=on),
    )


def representatives_page(*, clp: CLP, cursor: str | None) -> Page:
    """The CLP's representatives by office and name, each with how many invitations they were
    sent and answered, a page at a time; how many came is added by `came_counts`."""
    sent = Q(invitations__sent_at__isnull=False)
    reps = representatives(clp=clp).annotate(
        office_rank=Case(
            *[When(office=office, then=Value(n)) for n, office in enumerate(OFFICE_ORDER)],
            output_field=IntegerField(),
        ),
        invited=Count("invitations", filter=sent),
        answered=Count("invitations", filter=sent & ~Q(invitations__answer="")),
        said_yes=Count("invitations", filter=sent & Q(invitations__answer=Answer.YES)),
    )
    return keyset_page(reps, order=["office_rank", "name", "id"], cursor=cursor, size=50)


def invitations_of(*, representative: Representative) -> QuerySet[PicketInvitation]:
    return (
        representative.invitations.filter(sent_at__isnull=False)
        .select_related("picket_line__dispute", "answer_day")
        .order_by("-sent_at", "-id")
    )
