import datetime

import pytest
from django.core import mail

from tuliaison.tasks import due_jobs

from ..factories import PicketSignupFactory, SubscriberFactory, WeeklyScheduleFactory

pytestmark = pytest.mark.django_db


LONDON_1759 = datetime.datetime(2026, 11, 23, 17, 59, tzinfo=datetime.UTC)  # GMT in November
LONDON_1801 = datetime.datetime(2026, 11, 23, 18, 1, tzinfo=datetime.UTC)
BST_1801 = datetime.datetime(2026, 7, 1, 17, 1, tzinfo=datetime.UTC)  # 18:01 in London


def test_reminders_are_enqueued_from_six_in_the_evening_london_time(eager):
    assert due_jobs(LONDON_1759) == {}
    assert due_jobs(LONDON_1801) == {"picket_reminders": 1}
    assert due_jobs(BST_1801) == {"picket_reminders": 1}


def test_retention_runs_on_the_hour(eager):
    from django.utils import timezone

    from newsletters.models import Subscriber

    old = timezone.now() - datetime.timedelta(days=31)
    pending = SubscriberFactory(email="old@example.org", status="pending", consent_at=old)
    Subscriber.objects.filter(email="old@example.org").update(created_at=old)
    WeeklyScheduleFactory(clp=pending.clp, enabled=False)  # no weekly email due at 9
    on_the_hour = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    assert due_jobs(on_the_hour) == {"retention": 1}
    assert not Subscriber.objects.exists()


def test_ticks_all_evening_send_each_reminder_once(
    eager, picket_line, member, tomorrow, django_capture_on_commit_callbacks
):
    """Each tick of the evening enqueues the reminders; the one due goes once, from the outbox
    at the commit of the tick that claimed it (whatever the time the test runs: the outbox's
    sweep for lost tasks reads the tick's time, not the clock's)."""
    day = picket_line.action_days.get(date=tomorrow)
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    evening = datetime.datetime.combine(
        tomorrow - datetime.timedelta(days=1), datetime.time(20), tzinfo=datetime.UTC
    )
    for minute in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            due_jobs(evening + datetime.timedelta(minutes=minute))
    assert len(mail.outbox) == 1
