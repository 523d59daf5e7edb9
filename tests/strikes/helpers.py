"""Disputes, workplaces and action days for the public pages' tests: the public dispute page
and feeds here, and the CLP's calendar and map (tests/pickets, tests/browser)."""

import datetime

from django.utils import timezone

from clps.models import PostcodeDistrict
from strikes.models import ActionDay, ActionKind, Dispute, Employer, Union

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PostcodeDistrictFactory,
    WorkplaceFactory,
)

UNION_NAMES = {
    "CWU": "Communication Workers Union",
    "PCS": "Public and Commercial Services Union",
    "UNISON": "UNISON",
    "Unite": "Unite the Union",
}


def days_from_today(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_dispute(
    title: str,
    *,
    unions: tuple[str, ...] = ("CWU",),
    employer: str = "Royal Mail",
    workplace: str | None = None,
    postcode: str = "N16 7AA",
    lat: float | None = None,
    lng: float | None = None,
    **fields,
) -> Dispute:
    employer_obj, _ = Employer.objects.get_or_create(name=employer)
    place = WorkplaceFactory(
        employer=employer_obj,
        name=workplace or f"{title} site",
        address="1 High Street, London",
        postcode=postcode,
        latitude=lat,
        longitude=lng,
    )
    union_rows = [
        Union.objects.get_or_create(
            short_name=name, defaults={"name": UNION_NAMES.get(name, name)}
        )[0]
        for name in unions
    ]
    return DisputeFactory(
        title=title, employer=employer_obj, unions=union_rows, workplaces=[place], **fields
    )


def add_day(
    dispute: Dispute,
    date: datetime.date,
    *,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
    **fields,
) -> ActionDay:
    return ActionDayFactory(dispute=dispute, date=date, start_time=start, end_time=end, **fields)


def local_delivery_office(clp) -> Dispute:
    """The CLP's postcode district N16, and a dispute at the delivery office there, on the map."""
    PostcodeDistrictFactory(clp=clp, district="N16")
    return make_dispute(
        "Stoke Newington delivery office",
        workplace="Stoke Newington Delivery Office",
        lat=51.5626,
        lng=-0.0753,
    )


def public_disputes(clp, other_clp) -> dict[str, Dispute]:
    """A local dispute (N16), a followed national one, and one only the other CLP has."""
    local = local_delivery_office(clp)
    followed = make_dispute(
        "Civil service cleaners",
        unions=("PCS", "Unite"),
        employer="Mitie",
        postcode="SW1A 2AA",
        is_national=True,
    )
    FollowedDisputeFactory(clp=clp, dispute=followed)
    elsewhere = make_dispute("Shoreditch library closures", unions=("UNISON",), postcode="E2 8AA")
    PostcodeDistrictFactory(clp=other_clp, district="E2")
    return {"local": local, "followed": followed, "elsewhere": elsewhere}


def make_calendar_rows(clp, size: int) -> None:
    """`size` disputes, half local and half followed, each with two days in the window."""
    PostcodeDistrict.objects.get_or_create(clp=clp, district="N16")
    for i in range(size):
        dispute = make_dispute(
            f"Dispute {i}",
            unions=("CWU", "Unite"),
            postcode="N16 7AA" if i % 2 else "SE1 9SG",
            lat=51.56 if i % 3 else None,
            lng=-0.07 if i % 3 else None,
        )
        if not i % 2:
            FollowedDisputeFactory(clp=clp, dispute=dispute)
        add_day(dispute, days_from_today(i % 20), start=datetime.time(7), end=datetime.time(10))
        add_day(dispute, days_from_today(i % 20 + 1), kind=ActionKind.ASOS, cancelled=i % 4 == 0)
    # The next day beyond the window, so the page looks it up.
    add_day(dispute, days_from_today(80))
