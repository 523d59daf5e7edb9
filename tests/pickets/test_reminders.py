import datetime

import pytest
from django.core import mail
from django.utils import timezone

from pickets.reminders import send_due_reminders

from ..factories import PicketSignupFactory

pytestmark = pytest.mark.django_db


def test_reminder_goes_the_evening_before_exactly_once(
    picket_line, member, tulo, tomorrow, eager, django_capture_on_commit_callbacks
):
    day = picket_line.action_days.get(date=tomorrow)
    later = picket_line.action_days.exclude(pk=day.pk).get()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    PicketSignupFactory(picket_line=picket_line, action_day=later, user=tulo)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0  # a second run, or a retried task, sends nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "Tomorrow: picket line at The yard gate"
    html = message.alternatives[0].content
    assert "7am to 10am" in message.body and "7am to 10am" in html
    assert f"/c/{picket_line.clp.slug}/pickets/{picket_line.pk}/" in message.body


def test_no_reminder_for_a_cancelled_day(picket_line, member, tomorrow):
    day = picket_line.action_days.get(date=tomorrow)
    day.cancelled = True
    day.save()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert send_due_reminders() == 0
    assert mail.outbox == []


def test_reminder_day_is_tomorrow_in_london_across_midnight_utc(picket_line, member):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): "tomorrow" is 2 July.
    now = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    day = picket_line.action_days.first()
    day.date = datetime.date(2026, 7, 2)
    day.save()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    assert send_due_reminders(now) == 1
    assert timezone.localtime(now).date() == datetime.date(2026, 7, 1)
