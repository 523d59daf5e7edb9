"""The solidarity report for a year, for one CLP with 100 visits, and then again once the tables
hold a busy deployment's year (600 CLPs, 200,000 visits), on the same server in the same run.

Target: with the bigger tables the report serves at least 90% of the requests per second.

Each figure is the best of three rounds, so that a moment of load from elsewhere on the machine
does not decide the ratio. The tables are vacuumed as well as analysed before the second
measurement: a deployment that gathered these rows over a year has had them vacuumed by
autovacuum many times over, and autovacuum would otherwise start on them mid-measurement.
"""

import datetime
import random

from common import Server, requests_per_second, session_cookie, setup_django

setup_django()

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.utils import timezone

from clps.models import CLP, Membership, Role, User
from pickets.models import (
    MONEY_TYPES,
    ActionType,
    Office,
    PicketVisit,
    RepresentativeAttendance,
    SolidarityAction,
    VisitStatus,
)
from pickets.selectors import solidarity_report
from strikes.models import Dispute, DisputeStatus, Employer, Union

rng = random.Random(2026)
TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=364)
CLPS, VISITS = 600, 200_000
# Per visit, for every CLP: the share with an elected representative, and ledger entries.
REPS_PER_VISIT, ACTIONS_PER_VISIT = 0.4, 0.3
BATCH = 10_000
ROUNDS, SECONDS = 3, 2.0

Through = PicketVisit.members.through


def a_day() -> datetime.date:
    return START + datetime.timedelta(days=rng.randrange(365))


@transaction.atomic
def base() -> tuple[CLP, User, list[Union], list[Dispute]]:
    clp = CLP.objects.create(name="Bench CLP", slug="bench")
    user = User.objects.create_user("bench-exec@example.org", "x")
    Membership.objects.create(user=user, clp=clp, role=Role.EXECUTIVE)
    unions = Union.objects.bulk_create(
        [Union(name=f"Union {i}", short_name=f"U{i}") for i in range(20)]
    )
    employers = Employer.objects.bulk_create([Employer(name=f"Employer {i}") for i in range(200)])
    disputes = Dispute.objects.bulk_create(
        [
            Dispute(
                title=f"Dispute {i}",
                employer=employers[i % 200],
                status=rng.choice(DisputeStatus.values),
                issues=["pay"],
            )
            for i in range(400)
        ]
    )
    return clp, user, unions, disputes


def add_members(clps: list[CLP], per_clp: int, start_index: int) -> dict[int, list[int]]:
    """Member accounts for each CLP; returns CLP id -> user ids."""
    users = User.objects.bulk_create(
        [
            User(email=f"member{start_index + i}@example.org", password=UNUSABLE_PASSWORD_PREFIX)
            for i in range(len(clps) * per_clp)
        ],
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, clp=clps[i // per_clp], role=Role.MEMBER)
            for i, user in enumerate(users)
        ],
        batch_size=BATCH,
    )
    pools: dict[int, list[int]] = {clp.pk: [] for clp in clps}
    for i, user in enumerate(users):
        pools[clps[i // per_clp].pk].append(user.pk)
    return pools


def add_solidarity(
    plan: list[tuple[int, int]], *, members: dict[int, list[int]], unions, disputes, confirmed=1.0
) -> None:
    """Bulk-create visits for (CLP id, how many) pairs, with named members, representatives and
    solidarity actions in proportion."""
    for clp_id, n in plan:
        own_disputes = rng.sample(disputes, 20)
        for offset in range(0, n, BATCH):
            visits = PicketVisit.objects.bulk_create(
                [
                    PicketVisit(
                        clp_id=clp_id,
                        dispute=rng.choice(own_disputes),
                        date=a_day(),
                        members_count=rng.randint(2, 12),
                        banner=rng.random() < 0.5,
                        status=VisitStatus.CONFIRMED
                        if rng.random() < confirmed
                        else VisitStatus.REPORTED,
                    )
                    for _ in range(min(BATCH, n - offset))
                ]
            )
            Through.objects.bulk_create(
                [
                    Through(picketvisit_id=v.pk, user_id=user_id)
                    for v in visits
                    for user_id in rng.sample(
                        members[clp_id], rng.choice([0, 0, 1, 2, 2, 3, 3])
                    )  # 1.5 on average
                ],
                batch_size=BATCH,
            )
            RepresentativeAttendance.objects.bulk_create(
                [
                    RepresentativeAttendance(
                        visit_id=v.pk,
                        name=f"Rep {rng.randrange(50)}",
                        office=rng.choice(Office.values),
                    )
                    for v in visits
                    if rng.random() < REPS_PER_VISIT
                ],
                batch_size=BATCH,
            )
            SolidarityAction.objects.bulk_create(
                [
                    action(clp_id, unions, own_disputes)
                    for _ in range(round(len(visits) * ACTIONS_PER_VISIT))
                ],
                batch_size=BATCH,
            )


def action(clp_id: int, unions, disputes) -> SolidarityAction:
    kind = rng.choice(ActionType.values)
    money = kind in MONEY_TYPES
    union = rng.choice(unions)
    return SolidarityAction(
        clp_id=clp_id,
        kind=kind,
        date=a_day(),
        dispute=rng.choice(disputes) if rng.random() < 0.8 else None,
        union=union if money or rng.random() < 0.5 else None,
        amount_pence=rng.randrange(1000, 200_000) if money else None,
        fund_name=f"{union.short_name} hardship fund" if money else "",
    )


def best_rate(port: int, path: str, headers: dict) -> float:
    return requests_per_second(port, path, headers, seconds=SECONDS, rounds=ROUNDS)


def main() -> None:
    clp, user, unions, disputes = base()
    members = add_members([clp], 30, 0)
    add_solidarity([(clp.pk, 100)], members=members, unions=unions, disputes=disputes)
    path = f"/c/bench/report/?period=custom&start={START:%Y-%m-%d}&end={TODAY:%Y-%m-%d}"
    cookie = {"Cookie": session_cookie(user)}
    before = solidarity_report(clp=clp, start=START, end=TODAY)
    server = Server()
    try:
        small = best_rate(server.port, path, cookie)
        others = CLP.objects.bulk_create(
            [CLP(name=f"CLP {i}", slug=f"clp-{i}") for i in range(1, CLPS)]
        )
        members.update(add_members(others, 20, 100))
        share, extra = divmod(VISITS - 100, len(others))
        plan = [(other.pk, share + (i < extra)) for i, other in enumerate(others)]
        with transaction.atomic():
            add_solidarity(plan, members=members, unions=unions, disputes=disputes, confirmed=0.85)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        large = best_rate(server.port, path, cookie)
    finally:
        server.stop()
    after = solidarity_report(clp=clp, start=START, end=TODAY)
    assert before.visits == after.visits == 100
    assert (after.money_pence, after.distinct_members) == (
        before.money_pence,
        before.distinct_members,
    ), "the bench CLP's report changed when other CLPs' rows were added"
    print(
        f"CLPs: {CLP.objects.count():,}; visits: {PicketVisit.objects.count():,}; "
        f"named attendances: {Through.objects.count():,}; "
        f"representatives: {RepresentativeAttendance.objects.count():,}; "
        f"solidarity actions: {SolidarityAction.objects.count():,}"
    )
    print(
        f"the bench CLP's year: {before.visits} visits, {len(before.per_dispute)} disputes, "
        f"{before.distinct_members} named members, {before.representative_visits} representatives"
    )
    print(f"{'page':26} {'1 CLP, 100 visits':>18} {'600, 200,000':>13} {'ratio':>7}  target")
    ratio = large / small
    page = "solidarity report, a year"
    print(f"{page:26} {small:>14.0f} r/s {large:>9.0f} r/s {ratio:>7.2f}  >= 0.90")
    print("PASS" if ratio >= 0.9 else "BELOW TARGET")


if __name__ == "__main__":
    main()
