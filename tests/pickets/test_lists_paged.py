"""The TULO's lists of picket lines, visits and the ledger come a page at a time, at the same
number of queries however long they are."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    PicketLineFactory,
    PicketVisitFactory,
    SolidarityActionFactory,
)

pytestmark = pytest.mark.django_db


def page(client, tulo, clp, name: str, queries: int, assert_num_queries) -> str:
    client.force_login(tulo)
    url = reverse(name, args=[clp.slug])
    client.get(url)  # the session and caches warmed
    with assert_num_queries(queries):
        return client.get(url).content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_picket_lines(client, tulo, clp, count, django_assert_num_queries):
    dispute = DisputeFactory()
    today = timezone.localdate()
    for n in range(count):
        day = ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=n % 50))
        PicketLineFactory(clp=clp, dispute=dispute, place=f"Gate {n}", action_days=[day])
    html = page(client, tulo, clp, "pickets:picket_lines", 7, django_assert_num_queries)
    assert html.count('<section class="card">') == min(count, 20)
    assert ("Later picket lines" in html) == (count > 20)
    assert html.index("Gate 0") < html.index("Gate 1")  # soonest first


@pytest.mark.parametrize("count", [3, 30])
def test_visits(client, tulo, clp, count, django_assert_num_queries):
    PicketVisitFactory.create_batch(count, clp=clp, dispute=DisputeFactory())
    PicketVisitFactory.create_batch(count, clp=clp, dispute=DisputeFactory(), status="reported")
    html = page(client, tulo, clp, "pickets:visits", 10, django_assert_num_queries)
    assert ("Earlier visits" in html) == (count > 25)
    assert ("More to confirm" in html) == (count > 25)


@pytest.mark.parametrize("count", [3, 30])
def test_ledger(client, tulo, clp, count, django_assert_num_queries):
    SolidarityActionFactory.create_batch(count, clp=clp)
    html = page(client, tulo, clp, "pickets:actions", 5, django_assert_num_queries)
    assert len(re.findall(rf'href="/c/{clp.slug}/solidarity/\d+/"', html)) == min(count, 25)
    assert ("Earlier entries" in html) == (count > 25)
