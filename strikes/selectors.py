"""Reads over the shared records, as each CLP sees them.

One module, though over 400 lines, because it is every read over the shared records, as
CONVENTIONS.md lays out an app (writes in services.py, reads in selectors.py): the TULO's pages,
the public calendar, map and feeds, and the shared records' page, each a section of its own.
"""

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple, TypedDict

from django.db import connection
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber

from clps.models import CLP, PostcodeDistrict
from clps.pagination import Page, keyset_page

from .ballot_law import BallotAssessment, assess
from .models import (
    LIVE_STATUSES,
    ActionDay,
    Ballot,
    BallotRuleSet,
    Branch,
    CsvImport,
    Dispute,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def local_dispute_ids(clp: CLP) -> list[int]:
    """Disputes at a workplace in one of the CLP's postcode districts: one indexed query."""
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    return list(
        Dispute.workplaces.through.objects.filter(workplace__postcode_district__in=districts)
        .values_list("dispute_id", flat=True)
        .distinct()
    )


def followed_dispute_ids(clp: CLP) -> list[int]:
    return list(FollowedDispute.objects.filter(clp=clp).values_list("dispute_id", flat=True))


def clp_dispute_ids(clp: CLP) -> list[int]:
    """The CLP's disputes, local or followed, as ids, in one query.

    Fetched first so that every query over a CLP's days, ballots and disputes is an index
    lookup on a short list, whatever the number of disputes on the deployment.
    """
    return sorted(clps_dispute_ids([clp.pk]).get(clp.pk, ()))


def clps_dispute_ids(clp_ids: list[int]) -> dict[int, set[int]]:
    """clp_dispute_ids for many CLPs in one query: each CLP's id -> its disputes' ids (a CLP
    with none is left out)."""
    if not clp_ids:
        return {}
    q = connection.ops.quote_name
    districts = q(PostcodeDistrict._meta.db_table)
    workplaces = q(Workplace._meta.db_table)
    at = q(Dispute.workplaces.through._meta.db_table)
    followed = q(FollowedDispute._meta.db_table)
    marks = ", ".join(["%s"] * len(clp_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.clp_id, a.dispute_id FROM {districts} d"  # noqa: S608 (names, no input)
            f" JOIN {workplaces} w ON w.postcode_district = d.district"
            f" JOIN {at} a ON a.workplace_id = w.id WHERE d.clp_id IN ({marks})"
            f" UNION SELECT clp_id, dispute_id FROM {followed} WHERE clp_id IN ({marks})",
            [*clp_ids, *clp_ids],
        )
        found: dict[int, set[int]] = {}
        for clp_id, dispute_id in cursor.fetchall():
            found.setdefault(clp_id, set()).add(dispute_id)
    return found


def _ids(clp: CLP, dispute_ids: list[int] | None) -> list[int]:
    """The ids a page already fetched for the CLP, or fetch them: a page that asks several of
    these selectors passes them once instead of paying the query each time."""
    return clp_dispute_ids(clp) if dispute_ids is None else dispute_ids


def clp_disputes(*, clp: CLP) -> QuerySet[Dispute]:
    """The disputes a CLP sees on its calendar and email: local ones and those it follows."""
    return Dispute.objects.filter(pk__in=clp_dispute_ids(clp))


def with_local_and_followed(qs: QuerySet[Dispute], *, clp: CLP) -> QuerySet[Dispute]:
    """Annotate is_local and is_followed for one CLP without a query per row."""
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    return qs.annotate(
        is_local=Exists(
            Dispute.workplaces.through.objects.filter(
                dispute_id=OuterRef("pk"), workplace__postcode_district__in=districts
            )
        ),
        is_followed=Exists(FollowedDispute.objects.filter(clp=clp, dispute_id=OuterRef("pk"))),
    )


def union_prefetch() -> Prefetch:
    return Prefetch("unions", queryset=Union.objects.order_by("short_name"))


def upcoming_action_days(
    *,
    clp: CLP,
    start: datetime.date,
    end: datetime.date,
    include_cancelled: bool = True,
    dispute_ids: list[int] | None = None,
) -> QuerySet[ActionDay]:
    qs = ActionDay.objects.filter(
        date__gte=start,
        date__lte=end,
        dispute_id__in=_ids(clp, dispute_ids),
    )
    if not include_cancelled:
        qs = qs.filter(cancelled=False)
    return (
        qs.select_related("dispute", "dispute__employer")
        .prefetch_related(
            Prefetch("dispute__unions", queryset=Union.objects.order_by("short_name"))
        )
        .order_by("date", "start_time", "pk")
    )


def rule_sets() -> list[BallotRuleSet]:
    return list(BallotRuleSet.objects.all())


def ballots_closing(
    *, clp: CLP, start: datetime.date, end: datetime.date, dispute_ids: list[int] | None = None
) -> QuerySet[Ballot]:
    return (
        Ballot.objects.filter(
            closes_on__gte=start, closes_on__lte=end, dispute_id__in=_ids(clp, dispute_ids)
        )
        .select_related("dispute", "union")
        .order_by("closes_on")
    )


def dispute_list(
    *,
    clp: CLP,
    q: str = "",
    union: Union | None = None,
    status: str = "",
    scope: str = "",
) -> QuerySet[Dispute]:
    """The TULO's dispute list: filtered, each row annotated with is_local and is_followed."""
    qs = with_local_and_followed(Dispute.objects.all(), clp=clp)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(employer__name__icontains=q))
    if union is not None:
        qs = qs.filter(
            Exists(Dispute.unions.through.objects.filter(dispute_id=OuterRef("pk"), union=union))
        )
    if status == "live":
        qs = qs.filter(status__in=LIVE_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if scope == "mine":
        qs = qs.filter(pk__in=clp_dispute_ids(clp))
    elif scope == "local":
        qs = qs.filter(pk__in=local_dispute_ids(clp))
    elif scope == "followed":
        qs = qs.filter(pk__in=followed_dispute_ids(clp))
    elif scope == "national":
        qs = qs.filter(is_national=True)
    return qs.select_related("employer").prefetch_related(union_prefetch())


def dispute_detail(*, clp: CLP, pk: int) -> Dispute:
    return (
        with_local_and_followed(Dispute.objects.all(), clp=clp)
        .select_related("employer")
        .prefetch_related(
            union_prefetch(),
            Prefetch("workplaces", queryset=Workplace.objects.order_by("name")),
            Prefetch("branches", queryset=Branch.objects.select_related("union")),
            Prefetch(
                "ballots", queryset=Ballot.objects.select_related("union").order_by("-closes_on")
            ),
            Prefetch("action_days", queryset=ActionDay.objects.order_by("date", "start_time")),
        )
        .get(pk=pk)
    )


# The many-to-many fields would cost a query per record; updated_at changes on every save.
NOT_DIFFED = ["updated_at", "unions", "workplaces"]


def dispute_changes(*, dispute: Dispute, limit: int = 10) -> list:
    """The latest edits to the dispute itself, newest first, with who made them and which
    fields each changed (as `changed`), compared in memory with the record before it."""
    records = list(
        dispute.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    labels = {field.name: str(field.verbose_name) for field in Dispute._meta.fields}
    for record, before in zip(records, records[1:] + [None], strict=True):
        record.changed = []
        if before is not None:
            delta = record.diff_against(
                before, excluded_fields=["updated_at", "unions", "workplaces"]
            )
            record.changed = [labels[name] for name in delta.changed_fields]
    return records[:limit]


def mandates_expiring(
    *,
    clp: CLP,
    today: datetime.date,
    within_days: int = 30,
    rules: list[BallotRuleSet] | None = None,
    dispute_ids: list[int] | None = None,
) -> list[tuple[Ballot, BallotAssessment]]:
    """Ballots of the CLP's disputes whose mandate ends within `within_days`, soonest first."""
    rules = rules if rules is not None else rule_sets()
    # No rule set gives more than 12 months (plus an extension), so older ballots cannot qualify.
    recent = Ballot.objects.filter(
        closes_on__gte=today - datetime.timedelta(days=400),
        closes_on__lte=today,
        votes_cast__isnull=False,
        yes_votes__isnull=False,
        dispute_id__in=_ids(clp, dispute_ids),
    ).select_related("dispute", "union")
    expiring: list[tuple[datetime.date, Ballot, BallotAssessment]] = []
    for ballot in recent:
        result = assess(ballot, rules)
        if result.mandate and result.mandate_ends_on:
            left = (result.mandate_ends_on - today).days
            if 0 <= left <= within_days:
                expiring.append((result.mandate_ends_on, ballot, result))
    expiring.sort(key=lambda entry: entry[0])
    return [(ballot, result) for _, ballot, result in expiring]


def stale_disputes(
    *, clp: CLP, before: datetime.datetime, dispute_ids: list[int] | None = None
) -> QuerySet[Dispute]:
    """Live disputes of the CLP that nobody has updated since `before`."""
    return (
        Dispute.objects.filter(pk__in=_ids(clp, dispute_ids))
        .filter(status__in=LIVE_STATUSES, updated_at__lt=before)
        .select_related("employer")
        .order_by("updated_at")
    )


def recent_csv_imports(*, clp: CLP, limit: int = 5) -> list[CsvImport]:
    """The CLP's latest large imports, for the import page: without their text."""
    return list(
        CsvImport.objects.filter(clp=clp)
        .defer("text", "errors", "summary")
        .select_related("created_by")[:limit]
    )


# The public calendar, map and feeds (strikes/public_calendar.py, public_views.py, ical.py).

# A day's places shown beside it: enough to find the picket, bounded for a national dispute.
PLACES_PER_DAY = 5


class Place(NamedTuple):
    """A workplace as the calendar and the feeds name it beside a day."""

    name: str
    address: str
    postcode: str


def calendar_days(
    *,
    clp: CLP,
    start: datetime.date,
    end: datetime.date,
    limit: int,
    dispute_ids: list[int] | None = None,
) -> list[ActionDay]:
    """The CLP's first `limit` action days from start to end, cancelled ones included, each
    with its dispute and the dispute's employer (their unions and places: union_names and
    local_places, read as columns, a fraction of the cost of prefetching them)."""
    return list(
        ActionDay.objects.filter(
            date__gte=start, date__lte=end, dispute_id__in=_ids(clp, dispute_ids)
        )
        .select_related("dispute", "dispute__employer")
        .order_by("date", "start_time", "pk")[:limit]
    )


def feed_action_days(*, clp: CLP, start: datetime.date, end: datetime.date) -> QuerySet[ActionDay]:
    """The CLP's action days from start to end, cancelled ones included, in the order a feed
    lists them; nothing else loaded (the feed reads their columns: strikes.ical.feed_days)."""
    return ActionDay.objects.filter(
        date__gte=start, date__lte=end, dispute_id__in=clp_dispute_ids(clp)
    ).order_by("date", "start_time", "pk")


def union_names(*, dispute_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """dispute id -> its unions' (short name, name), by short name: one query."""
    found: dict[int, list[tuple[str, str]]] = {}
    rows = (
        Dispute.unions.through.objects.filter(dispute_id__in=list(dispute_ids))
        .order_by("union__short_name", "union_id")
        .values_list("dispute_id", "union__short_name", "union__name")
    )
    for dispute_id, short_name, name in rows:
        found.setdefault(dispute_id, []).append((short_name, name))
    return found


def local_places(
    *, clp: CLP, dispute_ids: Iterable[int], limit: int = PLACES_PER_DAY
) -> dict[int, list[Place]]:
    """dispute id -> its first `limit` workplaces in the CLP's postcode districts, by name: one
    query, however many workplaces a national dispute has."""
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    rows = (
        Dispute.workplaces.through.objects.filter(
            dispute_id__in=list(dispute_ids), workplace__postcode_district__in=districts
        )
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=F("dispute_id"),
                order_by=[F("workplace__name"), F("workplace_id")],
            )
        )
        # A Q and an F: django-stubs does not see an annotation on an M2M's through model.
        .filter(Q(place__lte=limit))
        .order_by("dispute_id", F("place"))
        .values_list("dispute_id", "workplace__name", "workplace__address", "workplace__postcode")
    )
    found: dict[int, list[Place]] = {}
    for dispute_id, name, address, postcode in rows:
        found.setdefault(dispute_id, []).append(Place(name, address, postcode))
    return found


def next_action_day_date(
    *, clp: CLP, after: datetime.date, dispute_ids: list[int] | None = None
) -> datetime.date | None:
    """The first date after `after` with an action day on the CLP's calendar, if any."""
    return (
        ActionDay.objects.filter(date__gt=after, dispute_id__in=_ids(clp, dispute_ids))
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


class UpcomingDays(TypedDict):
    upcoming_days: list[ActionDay]


class MapPlace(TypedDict):
    is_local: bool
    upcoming_disputes: list["WithAnnotations[Dispute, UpcomingDays]"]


def calendar_places(
    *, clp: CLP, start: datetime.date, end: datetime.date, limit: int
) -> "QuerySet[WithAnnotations[Workplace, MapPlace]]":
    """Workplaces of the CLP's disputes with action (not cancelled) from start to end: those in
    the CLP's districts and any others with a map location, local ones first.

    Each has `upcoming_disputes`, each dispute its `upcoming_days` (their unions:
    union_names).
    """
    days = ActionDay.objects.filter(date__gte=start, date__lte=end, cancelled=False)
    dispute_ids = clp_dispute_ids(clp)
    disputes = Dispute.objects.filter(pk__in=dispute_ids).filter(
        Exists(days.filter(dispute_id=OuterRef("pk")))
    )
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    on_map = Q(latitude__isnull=False, longitude__isnull=False)
    # The workplaces as `id IN (...)` of the disputes' days, not an EXISTS over the disputes:
    # PostgreSQL guesses the EXISTS at tens of thousands of rows and compiles the query (JIT),
    # which took 20 ms of a 25 ms query at 100,000 disputes.
    acting = days.filter(dispute_id__in=dispute_ids).values("dispute_id")
    return (
        Workplace.objects.filter(
            pk__in=Dispute.workplaces.through.objects.filter(dispute_id__in=acting).values(
                "workplace_id"
            )
        )
        .annotate(is_local=Exists(districts.filter(district=OuterRef("postcode_district"))))
        .filter(Q(is_local=True) | on_map)
        .select_related("employer")
        .prefetch_related(
            Prefetch(
                "disputes",
                queryset=disputes.prefetch_related(
                    Prefetch(
                        "action_days",
                        queryset=days.order_by("date", "start_time", "pk"),
                        to_attr="upcoming_days",
                    ),
                ).order_by("title", "pk"),
                to_attr="upcoming_disputes",
            )
        )
        .order_by("-is_local", "name", "pk")[:limit]
    )


def public_dispute(*, pk: int) -> Dispute:
    """Any dispute, for its public page: shared records are public."""
    return Dispute.objects.select_related("employer").prefetch_related(union_prefetch()).get(pk=pk)


def dispute_days(
    *, dispute: Dispute, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[ActionDay]:
    """One dispute's action days, soonest first, bounded by start and end when given."""
    # Through the related manager, so each day's .dispute is this instance, without a query.
    qs = dispute.action_days.all()
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs.order_by("date", "start_time", "pk")


# The shared records' page: each kind a page at a time, by the name people look for.


def record_pages(*, cursors: dict[str, str | None]) -> dict[str, Page]:
    """Unions, branches, employers and workplaces, each kind a page at a time after its own
    cursor (`cursors[kind]`)."""
    lists: dict[str, tuple[QuerySet, list[str]]] = {
        "unions": (Union.objects.all(), ["short_name", "id"]),
        "branches": (
            Branch.objects.select_related("union"),
            ["union__short_name", "name", "id"],
        ),
        "employers": (Employer.objects.all(), ["name", "id"]),
        "workplaces": (Workplace.objects.select_related("employer"), ["name", "id"]),
    }
    return {
        kind: keyset_page(qs, order=order, cursor=cursors.get(kind), size=50)
        for kind, (qs, order) in lists.items()
    }
