"""The reminder the evening before a picket line, to everyone signed up for it who has an
address (members, subscribers, and the public once confirmed): written to the outbox once per
sign-up, however often the tick asks, with the day as a calendar file."""

import datetime

from django.utils import timezone

from clps.outbox import claim_each, queue_email
from strikes.ical import clock

from . import calendar_file, selectors
from .links import cancel_url
from .models import PicketSignup, SignupSource


def reminder_window(now: datetime.datetime | None = None) -> datetime.date:
    """Reminders go the evening before: the day they are for is tomorrow in Europe/London."""
    now = now or timezone.now()
    return timezone.localtime(now).date() + datetime.timedelta(days=1)


def greeting_name(signup: PicketSignup) -> str:
    """The first word of the name they gave, or "" when they gave none (the email then says
    just "Hello"): never a piece of their address."""
    given = signup.user.name if signup.user is not None else signup.name
    return (given.split() or [""])[0]


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Email everyone signed up for tomorrow's picket lines, once each.

    Each sign-up is claimed (reminder_sent_at set where it was empty) in the transaction that
    writes its reminder to the outbox, so a second run, or two workers at once, write one.
    """
    now = now or timezone.now()
    day = reminder_window(now)
    due = list(
        PicketSignup.objects.filter(
            action_day__date=day,
            action_day__cancelled=False,
            reminder_sent_at__isnull=True,
            confirmed_at__isnull=False,
        )
        .exclude(source=SignupSource.WALK_IN)
        .values_list("pk", "picket_line_id")
    )
    leaders = selectors.trip_leaders(line_ids={line_id for _, line_id in due})
    # One calendar file for each picket line and day, whoever it goes to.
    files: dict[tuple[int, int], str] = {}
    sent = 0
    related = ("user", "action_day", "picket_line__dispute", "picket_line__clp")
    for signup in claim_each(PicketSignup, [pk for pk, _ in due], now=now, related=related):
        line, action_day = signup.picket_line, signup.action_day
        key = (line.pk, action_day.pk)
        if key not in files:
            files[key] = calendar_file.picket_day_calendar(line=line, day=action_day).decode()
        queue_email(
            "picket_reminder",
            to=signup.address,
            clp=line.clp_id,
            context={
                "name": greeting_name(signup),
                "line": line,
                "day": action_day,
                "times": f"{clock(line.start_time)} to {clock(line.end_time)}",
                "leader": leaders.get(line.pk, ""),
                "cancel_url": cancel_url(signup),
                "calendar_url": calendar_file.calendar_file_url(line, action_day),
                "picket_url": calendar_file.picket_line_url(line),
            },
            attachments=[calendar_file.attachment(line, action_day, files[key])],
        )
        sent += 1
    return sent
