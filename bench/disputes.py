"""Dispute list and public calendar with 100 and then 100,000 disputes, on the same server in
the same run; and the .ics feed's repeat fetch with ETag against a cold fetch.

Targets: the bigger table serves at least 90% of the requests per second of the smaller; the
304 answer is at least 10 times faster than building the feed.
"""

import datetime
import os
import random
import time

from common import (
    Server,
    copy_database,
    fetch,
    paired_requests_per_second,
    session_cookie,
    setup_django,
)

setup_django()

import http.client

from django.db import transaction
from django.utils import timezone

from clps.models import CLP, Membership, PostcodeDistrict, Role, User
from strikes.models import (
    ActionDay,
    Dispute,
    DisputeStatus,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)

rng = random.Random(2026)
TODAY = timezone.localdate()


@transaction.atomic
def base() -> tuple[CLP, User, list[Union], list[Employer], Workplace, list[Workplace]]:
    clp = CLP.objects.create(name="Bench CLP", slug="bench")
    PostcodeDistrict.objects.create(clp=clp, district="N16")
    user = User.objects.create_user("bench-tulo@example.org", "x")
    Membership.objects.create(user=user, clp=clp, role=Role.TULO)
    unions = Union.objects.bulk_create(
        [Union(name=f"Union {i}", short_name=f"U{i}") for i in range(20)]
    )
    employers = Employer.objects.bulk_create([Employer(name=f"Employer {i}") for i in range(500)])
    local = Workplace.objects.create(
        employer=employers[0], name="Local depot", postcode="N16 7AA", postcode_district="N16"
    )
    elsewhere = Workplace.objects.bulk_create(
        [
            Workplace(employer=employers[i % 500], name=f"Site {i}", postcode_district=f"M{i % 90}")
            for i in range(2000)
        ]
    )
    return clp, user, unions, employers, local, elsewhere


def add_disputes(n, *, unions, employers, workplaces, start_index, days_each=2) -> list[Dispute]:
    """Bulk-create n disputes with two unions, a workplace and action days each."""
    created = []
    for offset in range(0, n, 5000):
        batch = [
            Dispute(
                title=f"Dispute {start_index + offset + i}",
                employer=rng.choice(employers),
                status=rng.choice(DisputeStatus.values),
                issues=["pay"],
            )
            for i in range(min(5000, n - offset))
        ]
        batch = Dispute.objects.bulk_create(batch)
        Dispute.unions.through.objects.bulk_create(
            [
                Dispute.unions.through(dispute_id=d.pk, union_id=u.pk)
                for d in batch
                for u in rng.sample(unions, 2)
            ]
        )
        Dispute.workplaces.through.objects.bulk_create(
            [
                Dispute.workplaces.through(dispute_id=d.pk, workplace_id=rng.choice(workplaces).pk)
                for d in batch
            ]
        )
        ActionDay.objects.bulk_create(
            [
                ActionDay(dispute=d, date=TODAY + datetime.timedelta(days=k * 7 + rng.randrange(7)))
                for d in batch
                for k in range(days_each)
            ],
            ignore_conflicts=True,
        )
        created += batch
    return created


PAGES = {
    "dispute list": ("/c/bench/disputes/", True),
    "dispute list, local or followed": ("/c/bench/disputes/?scope=mine", True),
    "public calendar": ("/c/bench/calendar/", False),
}


def measure(ports: tuple[int, int], cookie: str) -> dict[str, tuple[float, float]]:
    """Each page's requests per second at both sizes, measured in turn."""
    return {
        page: paired_requests_per_second(ports, path, {"Cookie": cookie} if signed_in else {})
        for page, (path, signed_in) in PAGES.items()
    }


def ics_timings(port, rounds=50) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, _, headers = fetch(conn, "/c/bench/calendar.ics", {})
    assert status == 200, status
    etag = headers.get("ETag")
    assert etag, "the feed has no ETag"

    def timed(extra):
        start = time.perf_counter()
        for _ in range(rounds):
            status, _, _ = fetch(conn, "/c/bench/calendar.ics", extra)
        return (time.perf_counter() - start) / rounds, status

    cold, cold_status = timed({})
    repeat, repeat_status = timed({"If-None-Match": etag})
    assert (cold_status, repeat_status) == (200, 304), (cold_status, repeat_status)
    conn.close()
    return cold, repeat


def main() -> None:
    clp, user, unions, employers, local, elsewhere = base()
    # The CLP's own disputes are the same in both runs: 30 local and 20 followed, with four
    # weekly action days each (200 in the feed), so every page shows the same rows at both sizes.
    mine = add_disputes(
        30, unions=unions, employers=employers, workplaces=[local], start_index=0, days_each=4
    )
    followed = add_disputes(
        20, unions=unions, employers=employers, workplaces=elsewhere, start_index=30, days_each=4
    )
    FollowedDispute.objects.bulk_create([FollowedDispute(clp=clp, dispute=d) for d in followed])
    add_disputes(50, unions=unions, employers=employers, workplaces=elsewhere, start_index=50)
    cookie = session_cookie(user)
    # The small deployment is kept in a copy of the database, served beside the large one, so
    # that each page's rounds at the two sizes are taken in turn. Both are analysed first.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    small_url = copy_database(os.environ["DATABASE_URL"].rsplit("/", 1)[1] + "_small")
    add_disputes(99_900, unions=unions, employers=employers, workplaces=elsewhere, start_index=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    servers = (Server(small_url), Server())
    try:
        rates = measure((servers[0].port, servers[1].port), cookie)
        cold, repeat = ics_timings(servers[0].port)
    finally:
        for server in servers:
            server.stop()
    print(
        f"disputes: {Dispute.objects.count():,}; action days: {ActionDay.objects.count():,}; "
        f"the CLP's: {len(mine) + len(followed)} disputes"
    )
    print(f"{'page':34} {'100 disputes':>14} {'100,000':>10} {'ratio':>7}  target")
    ok = True
    for page, (small, large) in rates.items():
        ratio = large / small
        ok &= ratio >= 0.9
        print(f"{page:34} {small:>10.0f} r/s {large:>6.0f} r/s {ratio:>7.2f}  >= 0.90")
    speedup = cold / repeat
    ok &= speedup >= 10
    print(f"{'calendar.ics cold fetch':34} {cold * 1000:>11.2f} ms")
    print(
        f"{'calendar.ics repeat, ETag 304':34} {repeat * 1000:>11.2f} ms {speedup:>15.1f}x  >= 10x"
    )
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()
