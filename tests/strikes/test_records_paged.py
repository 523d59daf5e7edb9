"""The shared records' page lists each kind a page at a time, at a pinned number of queries."""

import pytest
from django.urls import reverse

from ..factories import EmployerFactory, UnionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [3, 60])
def test_records_page(client, clp, tulo, count, django_assert_num_queries):
    UnionFactory.create_batch(count)
    WorkplaceFactory.create_batch(count)  # and an employer each
    client.force_login(tulo)
    url = reverse("strikes:records", args=[clp.slug])
    client.get(url)
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    for kind in ("unions", "employers", "workplaces"):
        assert (f"More {kind}" in page) == (count > 50)
    assert "More branches" not in page


def test_the_next_page_of_one_kind_leaves_the_others_at_their_first(client, clp, tulo):
    EmployerFactory.create_batch(55)
    client.force_login(tulo)
    url = reverse("strikes:records", args=[clp.slug])
    first = client.get(url).content.decode()
    cursor = first.split("?employers_after=")[1].split("#")[0]
    second = client.get(f"{url}?employers_after={cursor}").content.decode()
    assert second.count("/records/employers/") - first.count("/records/employers/") == 5 - 50
