"""A long strike for the pages that must stay short: nine weeks of weekday strikes, 8 to 11am,
begun three weeks ago, with one day to come called off."""

import datetime

from strikes.models import ActionDay, Dispute

EIGHT, ELEVEN = datetime.time(8), datetime.time(11)


def weekdays(first: datetime.date, count: int) -> list[datetime.date]:
    found, day = [], first
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += datetime.timedelta(days=1)
    return found


def nine_week_strike(dispute: Dispute, today: datetime.date, *, days: int = 45) -> list[ActionDay]:
    """`days` weekdays from the Monday three weeks before today's week; the first weekday a
    week or more ahead is called off, with a note saying why."""
    monday = today - datetime.timedelta(days=today.weekday() + 21)
    dates = weekdays(monday, days)
    called_off = next((d for d in dates if d >= today + datetime.timedelta(days=7)), None)
    return ActionDay.objects.bulk_create(
        ActionDay(
            dispute=dispute,
            date=date,
            start_time=EIGHT,
            end_time=ELEVEN,
            cancelled=date == called_off,
            note="Called off while talks go on" if date == called_off else "",
        )
        for date in dates
    )
