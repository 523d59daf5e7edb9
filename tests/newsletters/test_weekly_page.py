"""The TULO's weekly page: opening it changes nothing, a bad note is kept and explained, and
its list of earlier weeks is paged at a fixed cost."""

import datetime
import re

import pytest
from django.urls import reverse

from newsletters.models import Digest, DigestStatus, WeeklySchedule
from newsletters.weekly.schedule import upcoming_week

from ..factories import DigestFactory

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
    client, clp, tulo, weeks, django_assert_num_queries, due_last_night
):
    # Its email fell due last night, so the page's reads are the same whatever the day.
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


def test_a_button_pressed_after_the_week_moved_on_changes_nothing(
    client, clp, tulo, due_last_night
):
    """The page showed this week's email; the tick started sending it before the TULO pressed
    Send it now: next week's email is not sent, nor held, nor given the note."""
    client.force_login(tulo)
    shown = upcoming_week(clp)
    this_week = DigestFactory(clp=clp, week_start=shown)
    Digest.objects.filter(pk=this_week.pk).update(status=DigestStatus.SENDING)  # the tick
    assert upcoming_week(clp) == shown + datetime.timedelta(weeks=1)
    week = shown.isoformat()
    for action in ("send_now", "hold"):
        response = client.post(
            reverse("newsletters:hold", args=[clp.slug]), {"action": action, "week": week}
        )
        assert response.status_code == 302
    client.post(reverse("newsletters:save_note", args=[clp.slug]), {"note": "x", "week": week})
    assert list(Digest.objects.values_list("week_start", "status", "note")) == [
        (shown, DigestStatus.SENDING, "")
    ]
    page = client.get(reverse("newsletters:weekly", args=[clp.slug])).content.decode()
    assert "moved on to the week of" in page


def test_the_pages_buttons_name_the_week_they_act_on(client, clp, tulo):
    client.force_login(tulo)
    page = client.get(reverse("newsletters:weekly", args=[clp.slug])).content.decode()
    assert (
        page.count(f'name="week" value="{upcoming_week(clp).isoformat()}"') == 3
    )  # note, hold, send
