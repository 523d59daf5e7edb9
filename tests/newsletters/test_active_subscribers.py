"""Who the weekly email goes to: confirmed subscribers whose address is not suppressed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletters.selectors import active_subscribers
from newsletters.services import is_suppressed, suppress

from ..factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_only_confirmed_and_unsuppressed_subscribers_of_this_clp(clp, other_clp):
    gets_it = SubscriberFactory(clp=clp, email="gets.it@example.org")
    suppressed_elsewhere = SubscriberFactory(clp=clp, email="left.other.clp@example.org")
    for status in ("pending", "unsubscribed", "bounced", "complained"):
        SubscriberFactory(clp=clp, email=f"{status}@example.org", status=status)
    SubscriberFactory(clp=clp, email="left.this.clp@example.org")
    SubscriberFactory(clp=clp, email="Bounced.Elsewhere@example.org")
    SubscriberFactory(clp=other_clp, email="other.clp@example.org")
    suppress(email="left.this.clp@example.org", reason="unsubscribed", clp=clp)
    suppress(email="bounced.elsewhere@example.org", reason="bounced")  # every CLP
    suppress(email="left.other.clp@example.org", reason="unsubscribed", clp=other_clp)

    assert list(active_subscribers(clp)) == [gets_it, suppressed_elsewhere]
    assert is_suppressed(clp=clp, email="LEFT.this.clp@example.org ")
    assert not is_suppressed(clp=clp, email="left.other.clp@example.org")
    assert is_suppressed(clp=other_clp, email="bounced.elsewhere@example.org")


def test_suppressing_twice_keeps_one_row(clp):
    first = suppress(email="a@example.org", reason="unsubscribed", clp=clp)
    assert suppress(email="A@example.org", reason="unsubscribed", clp=clp) == first
    assert suppress(email="a@example.org", reason="complained") == suppress(
        email="a@example.org", reason="complained"
    )


@pytest.mark.parametrize("size", [5, 50])
def test_recipients_are_one_query_with_the_suppression_check_in_it(clp, size):
    for n in range(size):
        SubscriberFactory(clp=clp, email=f"s{n}@example.org")
        if n % 5 == 0:
            suppress(email=f"s{n}@example.org", reason="bounced")

    with CaptureQueriesContext(connection) as queries:
        recipients = list(active_subscribers(clp))

    assert len(recipients) == size - size // 5
    [query] = queries.captured_queries
    assert "NOT EXISTS" in query["sql"] and '"newsletters_suppression"' in query["sql"]
