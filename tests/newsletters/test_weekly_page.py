"""The TULO's weekly page: opening it changes nothing, a bad note is kept and explained, and
its list of earlier weeks is paged at a fixed cost."""

import datetime
import re

import pytest
from django.urls import reverse

from newsletters.models import Digest, DigestStatus, WeeklySchedule
from newsletters.weekly.schedule import upcoming_week

pytestmark = pytest.mark.django_db


def test_opening_the_weekly_pages_makes_no_rows(client, clp, tulo):
    client.force_login(tulo)
    for name in ("newsletters:weekly", "newsletters:preview"):
        assert client.get(reverse(name, args=[clp.slug])).status_code == 200
    assert not Digest.objects.exists()
    assert not WeeklySchedule.objects.exists()


def test_a_note_that_is_too_long_is_explained_and_kept(client, clp, tulo):
    client.force_login(tulo)
    note = "Bring the banner. " * 120  # 2,160 characters
    response = client.post(reverse("newsletters:save_note", args=[clp.slug]), {"note": note})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep the note under 2,000 characters" in page
    assert note.strip() in page
    assert not Digest.objects.exists()


def test_a_note_is_saved_on_the_week_being_prepared(client, clp, tulo):
    client.force_login(tulo)
    client.post(reverse("newsletters:save_note", args=[clp.slug]), {"note": "Banner Thursday"})
    digest = Digest.objects.get()
    assert (digest.week_start, digest.note) == (upcoming_week(clp), "Banner Thursday")


@pytest.mark.parametrize("weeks", [3, 30])
def test_earlier_weeks_are_paged_at_a_fixed_cost(
    client, clp, tulo, weeks, django_assert_num_queries
):
    first = upcoming_week(clp) - datetime.timedelta(weeks=weeks)
    Digest.objects.bulk_create(
        Digest(clp=clp, week_start=first + datetime.timedelta(weeks=n), status=DigestStatus.SENT)
        for n in range(weeks)
    )
    client.force_login(tulo)
    url = reverse("newsletters:weekly", args=[clp.slug])
    client.get(url)
    with django_assert_num_queries(12):
        page = client.get(url).content.decode()
    listed = re.findall(rf'href="/c/{clp.slug}/weekly/\d+/"', page)
    assert len(listed) == min(weeks, 12)
    assert ("Earlier weeks</a>" in page) == (weeks > 12)
