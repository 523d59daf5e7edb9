"""The reminder the evening before a picket line, to everyone signed up for it: written to the
outbox once per sign-up, however often the tick asks."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clps.outbox import queue_email

from .models import PicketSignup, SignupSource


def reminder_window(now: datetime.datetime | None = None) -> datetime.date:
    """Reminders go the evening before: the day they are for is tomorrow in Europe/London."""
    now = now or timezone.now()
    return timezone.localtime(now).date() + datetime.timedelta(days=1)


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Email everyone signed up for tomorrow's picket lines, once each.

    Each sign-up is claimed (reminder_sent_at set where it was empty) in the transaction that
    writes its reminder to the outbox, so a second run, or two workers at once, write one.
    """
    now = now or timezone.now()
    day = reminder_window(now)
    due = (
        PicketSignup.objects.filter(
            action_day__date=day,
            action_day__cancelled=False,
            reminder_sent_at__isnull=True,
            confirmed_at__isnull=False,
        )
        .exclude(source=SignupSource.WALK_IN)
        .values_list("pk", flat=True)
    )
    sent = 0
    for signup_id in list(due):
        with transaction.atomic():
            claimed = PicketSignup.objects.filter(
                pk=signup_id, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            signup = PicketSignup.objects.select_related(
                "user", "action_day", "picket_line__dispute", "picket_line__clp"
            ).get(pk=signup_id)
            line = signup.picket_line
            queue_email(
                "picket_reminder",
                to=signup.address,
                clp=line.clp_id,
                context={
                    "signup": signup,
                    "line": line,
                    "day": signup.action_day,
                    "picket_url": reverse("pickets:picket_line", args=[line.clp.slug, line.pk]),
                },
            )
        sent += 1
    return sent
