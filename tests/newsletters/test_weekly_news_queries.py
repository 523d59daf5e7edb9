"""The weekly email's ballots, results, wins and hardship funds: each in its place, and all of
the week's news read in the same few queries however many disputes a CLP has (the weekly send
reads it once per CLP)."""

import datetime

import pytest
from django.utils import timezone

from newsletters.models import Delivery, DigestStatus
from newsletters.weekly import sending
from newsletters.weekly.content import build_content
from newsletters.weekly.schedule import schedule_for
from newsletters.weekly.services import ensure_upcoming_digest
from strikes.models import Dispute

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def followed(clp, **kwargs) -> Dispute:
    dispute = DisputeFactory(**kwargs)
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    return dispute


def counted_ballot(dispute: Dispute, closed_days_ago: int) -> None:
    BallotFactory(
        dispute=dispute,
        opens_on=TODAY - datetime.timedelta(days=closed_days_ago + 28),
        closes_on=TODAY - datetime.timedelta(days=closed_days_ago),
        entitled_to_vote=1000,
        votes_cast=600,
        yes_votes=500,
        no_votes=100,
    )


def news(clp, n: int) -> dict[str, list]:
    """n of each kind of news, and n disputes that make none; returns the titles expected in
    each part of the email."""
    expected: dict[str, list] = {"open": [], "results": [], "wins": [], "funds": []}
    for i in range(n):
        striking = followed(clp, title=f"Striking {i}")
        day = ActionDayFactory(dispute=striking, date=TODAY + datetime.timedelta(days=2))
        PicketLineFactory(clp=clp, dispute=striking, action_days=[day])
        balloting = followed(clp, title=f"Balloting {i}", status="balloting")
        BallotFactory(
            dispute=balloting,
            opens_on=TODAY - datetime.timedelta(days=14),
            closes_on=TODAY + datetime.timedelta(days=3 + i % 2),
            entitled_to_vote=400,
        )
        expected["open"].append((i % 2, i, balloting.title))
        counted = followed(clp, title=f"Counted {i}", status="mandate_won")
        counted_ballot(counted, closed_days_ago=2)
        expected["results"].append(counted.title)
        # Closed long ago, counted long ago: old news.
        counted_ballot(followed(clp, title=f"Old result {i}", status="mandate_won"), 60)
        won = followed(clp, title=f"Won {i}", status="won", hardship_fund_url="https://a.example/")
        expected["wins"].insert(0, won.title)  # the latest first
        fund = followed(
            clp,
            title=f"Fund {i}",
            hardship_fund_url=f"https://fund{i}.example/",
            status="suspended",
        )
        expected["funds"].append(fund.title)
        followed(clp, title=f"Lost {i}", status="lost", hardship_fund_url="https://b.example/")
        ended = followed(clp, title=f"Settled long ago {i}", status="settled")
        Dispute.objects.filter(pk=ended.pk).update(
            updated_at=timezone.now() - datetime.timedelta(days=40)
        )
    expected["open"] = [title for *_, title in sorted(expected["open"])]  # closing first
    expected["funds"] = sorted(expected["funds"])
    return expected


@pytest.mark.parametrize("n", [1, 4])
def test_the_weeks_news_is_each_in_its_place_in_the_same_queries_for_any_number_of_disputes(
    clp, due_last_night, n, django_assert_num_queries
):
    expected = news(clp, n)
    digest = ensure_upcoming_digest(clp)
    schedule = schedule_for(clp)
    # Picket lines (with their days and sign-ups), the CLP's disputes, their days, the unions
    # of both (one query), days after the email's, the last email sent, ballots (open and
    # counted, one query), the ballot rules, wins and funds (one query), events.
    with django_assert_num_queries(12):
        content = build_content(digest, schedule=schedule)
    assert [b.dispute.title for b, _ in content.ballots_open] == expected["open"]
    assert sorted(b.dispute.title for b, _ in content.results) == sorted(expected["results"])
    assert [d.title for d in content.wins] == expected["wins"]
    assert [d.title for d in content.funds] == expected["funds"]
    assert len(content.strikes) == n and len(content.picket_lines) == n


@pytest.mark.parametrize("n", [1, 4])
def test_preparing_the_digest_takes_the_same_queries_for_any_number_of_disputes(
    clp, due_last_night, n, django_assert_num_queries
):
    news(clp, n)
    for i in range(3):
        SubscriberFactory(clp=clp, email=f"member{i}@example.org")
    digest = ensure_upcoming_digest(clp)
    # The digest with its CLP, its schedule and when the last email went, locked; the news as
    # above but that last; the digest saved; every delivery in one INSERT (within a savepoint of
    # its own, in case one exists already); between a savepoint and its release (in a worker,
    # BEGIN and COMMIT).
    with django_assert_num_queries(18):
        prepared = sending.prepare(digest.pk)
    assert prepared.status == DigestStatus.SENDING
    assert Delivery.objects.filter(digest=digest).count() == 3
