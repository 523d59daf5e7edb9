"""Query counts of the TULO's busiest pages, pinned at two table sizes: they must not grow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    JoinRequestFactory,
    UnionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db


def make_disputes(clp, n):
    union = UnionFactory()
    today = timezone.localdate()
    workplace = WorkplaceFactory()
    for i in range(n):
        dispute = DisputeFactory(unions=[union, UnionFactory()], workplaces=[workplace])
        FollowedDisputeFactory(clp=clp, dispute=dispute)
        ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=i % 10))
        BallotFactory(
            dispute=dispute,
            union=union,
            opens_on=today - datetime.timedelta(days=200),
            closes_on=today + datetime.timedelta(days=i % 10),
            entitled_to_vote=100,
        )


LIST_QUERIES = 8
DASHBOARD_QUERIES = 15  # with the count of emails that could not be sent, and requests to join


@pytest.mark.parametrize("size", [3, 40])
def test_dispute_list_queries(client, tulo, clp, size, django_assert_num_queries):
    make_disputes(clp, size)
    client.force_login(tulo)
    url = reverse("strikes:dispute_list", args=[clp.slug]) + "?scope=mine"
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["page"].rows) == min(size, 25)


@pytest.mark.parametrize("size", [3, 40])
def test_dashboard_queries(client, tulo, clp, size, django_assert_num_queries):
    make_disputes(clp, size)
    JoinRequestFactory.create_batch(size // 2, clp=clp)
    client.force_login(tulo)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("dashboard", args=[clp.slug]))
    assert len(response.context["this_week"]) + len(response.context["next_week"]) >= min(size, 3)
    assert len(response.context["join_requests"]) == min(size // 2, 10)
    assert response.context["more_join_requests"] == (size // 2 > 10)
