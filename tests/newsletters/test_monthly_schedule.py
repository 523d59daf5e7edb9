"""When each CLP's section is drafted: the newsletter date in short months, the due time in
London, and the periodic tick drafting each due section once and telling the TULOs."""

import datetime

import pytest
from django.urls import reverse

from newsletters.models import NewsletterCovers, NewsletterSchedule, NewsletterSection
from newsletters.monthly import schedule as monthly_schedule
from newsletters.monthly import services
from tuliaison.tasks import due_jobs

from ..factories import CLPFactory, NewsletterScheduleFactory, NewsletterSectionFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def schedule(clp, **kwargs) -> NewsletterSchedule:
    values = {"day_of_month": 1, "days_before": 5, "covers": NewsletterCovers.PREVIOUS}
    return NewsletterScheduleFactory(clp=clp, **(values | kwargs))


def test_a_late_newsletter_day_means_the_last_day_of_a_short_month(clp):
    current = NewsletterSchedule(clp=clp, day_of_month=31, covers=NewsletterCovers.CURRENT)
    assert monthly_schedule.newsletter_date(current, datetime.date(2027, 2, 1)) == datetime.date(
        2027, 2, 28
    )
    assert monthly_schedule.newsletter_date(current, datetime.date(2026, 11, 1)) == datetime.date(
        2026, 11, 30
    )
    assert monthly_schedule.newsletter_date(current, datetime.date(2026, 12, 1)) == datetime.date(
        2026, 12, 31
    )
    # A section reporting on January 2028 goes in February's newsletter: a leap year.
    previous = NewsletterSchedule(clp=clp, day_of_month=30, covers=NewsletterCovers.PREVIOUS)
    assert monthly_schedule.newsletter_date(previous, datetime.date(2028, 1, 1)) == datetime.date(
        2028, 2, 29
    )


def test_the_draft_is_due_days_before_the_newsletter_at_seven_in_london(clp):
    on_the_first = NewsletterSchedule(clp=clp, day_of_month=1, days_before=5)
    # October's section, for the newsletter of 1 November: due 27 October, in GMT.
    assert monthly_schedule.draft_due_at(
        on_the_first, datetime.date(2026, 10, 1)
    ) == datetime.datetime(2026, 10, 27, 7, 0, tzinfo=UTC)
    # August's, for 1 September: due 27 August at 07:00 BST, which is 06:00 UTC.
    assert monthly_schedule.draft_due_at(
        on_the_first, datetime.date(2026, 8, 1)
    ) == datetime.datetime(2026, 8, 27, 6, 0, tzinfo=UTC)
    late = NewsletterSchedule(
        clp=clp, day_of_month=31, days_before=3, covers=NewsletterCovers.CURRENT
    )
    assert monthly_schedule.draft_due_at(late, datetime.date(2027, 2, 1)) == datetime.datetime(
        2027, 2, 25, 7, 0, tzinfo=UTC
    )


def test_a_section_is_due_from_its_time_until_its_newsletter_has_gone(clp):
    schedule(clp)
    october = datetime.date(2026, 10, 1)
    assert monthly_schedule.due_sections(datetime.datetime(2026, 10, 27, 6, 59, tzinfo=UTC)) == []
    assert monthly_schedule.due_sections(datetime.datetime(2026, 10, 27, 7, 0, tzinfo=UTC)) == [
        (clp.pk, october)
    ]
    assert monthly_schedule.due_sections(datetime.datetime(2026, 11, 1, 20, 0, tzinfo=UTC)) == [
        (clp.pk, october)
    ]
    # The newsletter went on 1 November: too late to draft its section by itself.
    assert monthly_schedule.due_sections(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)) == []
    NewsletterSectionFactory(clp=clp, month=october)
    assert monthly_schedule.due_sections(datetime.datetime(2026, 10, 28, 9, 0, tzinfo=UTC)) == []


def test_no_schedule_or_a_switched_off_one_drafts_nothing(clp, other_clp):
    schedule(other_clp, enabled=False)
    assert monthly_schedule.due_sections(datetime.datetime(2026, 10, 28, 9, 0, tzinfo=UTC)) == []


def test_the_tick_drafts_each_due_section_once_and_tells_the_tulos(
    eager, clp, tulo, executive, django_capture_on_commit_callbacks, mailoutbox, settings
):
    schedule(clp)
    other = CLPFactory()
    schedule(other, day_of_month=15)  # its October section is due on 10 November
    due = datetime.datetime(2026, 10, 27, 7, 0, tzinfo=UTC)

    assert due_jobs(due - datetime.timedelta(minutes=1)).get("newsletter_sections") is None
    with django_capture_on_commit_callbacks(execute=True):
        first = due_jobs(due)
    with django_capture_on_commit_callbacks(execute=True):
        later = [due_jobs(due + datetime.timedelta(minutes=m)) for m in range(1, 4)]

    assert first.get("newsletter_sections") == 1
    assert all("newsletter_sections" not in enqueued for enqueued in later)
    assert NewsletterSection.objects.filter(clp=clp, month=datetime.date(2026, 10, 1)).count() == 1
    assert not NewsletterSection.objects.filter(clp=other).exists()
    assert [m.to for m in mailoutbox] == [[tulo.email]]
    message = mailoutbox[0]
    assert message.subject == (
        "Drafted: union updates for October 2026, Hackney North & Stoke Newington"
    )
    url = settings.SITE_URL.rstrip("/") + reverse(
        "newsletters:section", args=[clp.slug, datetime.date(2026, 10, 1)]
    )
    assert url in message.body
    assert "ready for the newsletter on Sunday 1 November" in message.body
    html = message.alternatives[0].content
    assert f'href="{url}"' in html


def test_two_drafts_racing_for_one_month_make_one(clp, monkeypatch):
    """The unique constraint, not the read before it, keeps it to one: a second build that read
    "none yet" before the first wrote still finds the first one's."""
    month = datetime.date(2026, 10, 1)
    first, made = services.section_build(clp=clp, month=month, notify=False)
    original = NewsletterSection.objects.filter

    class NoneYet:
        def first(self):
            return None

    def stale_read(*args, **kwargs):
        return NoneYet() if kwargs == {"clp": clp, "month": month} else original(*args, **kwargs)

    monkeypatch.setattr(NewsletterSection.objects, "filter", stale_read)
    second, made_again = services.section_build(clp=clp, month=month, notify=False)
    monkeypatch.undo()

    assert made and not made_again
    assert second.pk == first.pk
    assert NewsletterSection.objects.filter(clp=clp).count() == 1


def test_the_tulo_sets_the_schedule_and_a_bad_day_is_explained(client, clp, tulo):
    client.force_login(tulo)
    url = reverse("newsletters:section_schedule", args=[clp.slug])
    bad = client.post(
        url,
        {
            "day_of_month": "32",
            "days_before": "5",
            "covers": "previous",
            "editor_email": "editor@example.org",
            "enabled": "on",
        },
    )
    assert bad.status_code == 400
    assert "Give a day from 1 to 31" in bad.content.decode()
    assert 'value="editor@example.org"' in bad.content.decode()
    assert not NewsletterSchedule.objects.filter(clp=clp).exists()

    good = client.post(
        url,
        {
            "day_of_month": "28",
            "days_before": "3",
            "covers": "current",
            "editor_email": "editor@example.org",
            "enabled": "on",
        },
    )
    assert good.status_code == 302
    saved = NewsletterSchedule.objects.get(clp=clp)
    assert (saved.day_of_month, saved.days_before, saved.covers, saved.editor_email) == (
        28,
        3,
        "current",
        "editor@example.org",
    )
