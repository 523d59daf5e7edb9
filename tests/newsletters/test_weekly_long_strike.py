"""A nine-week strike in the weekly email as subscribers receive it (the bytes a loopback SMTP
server took in): one entry for the dispute with its days as runs and one link, its picket line
with a compact "I'll go" for each day it stands, each reader's own, counts only where someone is
going, the week in the header and subject the same as the days listed, and a text part that
fits 78 columns."""

import datetime
import re

import pytest

from newsletters.links import GO_LINKS
from newsletters.weekly import sending
from newsletters.weekly.schedule import schedule_for, window
from newsletters.weekly.services import ensure_upcoming_digest
from strikes.models import ActionDay
from strikes.runs import runs, short_day

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    PicketSignupFactory,
    UnionFactory,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
TITLE = "Mental health social workers: nine-week strike"
DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\b")
GO = re.compile(r"https://tuliaison\.example\.org/go/([^/\s\"<>]+)/([0-9]+)/([0-9]+)/")


@pytest.fixture
def long_strike(clp, members):
    """45 weekdays of strike from a fortnight before the email's week, its Tuesday called off,
    a picket line near the CLP on every one, and three people going on its Wednesday."""
    # Its email goes late on Sunday for the week after: the week being prepared is a whole
    # Monday to Sunday, whatever day the tests run.
    # Saved through the CLP's own schedule, which `members` made and the CLP keeps: an UPDATE
    # of the table would leave it reading Monday 08:00 until the send reads it afresh.
    schedule = clp.weekly_schedule
    schedule.weekday, schedule.send_time = 6, datetime.time(23, 59)
    schedule.save()
    digest = ensure_upcoming_digest(clp)
    days = window(schedule_for(clp), digest.week_start)
    dispute = DisputeFactory(
        title=TITLE,
        workers="mental health social workers in Clapton",
        unions=[UnionFactory(short_name="UNISON")],
    )
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    start = days.first - 14 * ONE_DAY
    dates = [start + n * ONE_DAY for n in range(63) if (start + n * ONE_DAY).weekday() < 5]
    strike = [
        ActionDayFactory(
            dispute=dispute,
            date=date,
            start_time=datetime.time(8),
            end_time=datetime.time(11),
            cancelled=date == days.first + ONE_DAY,
        )
        for date in dates
    ]
    assert len(strike) == 45
    line = PicketLineFactory(
        clp=clp, dispute=dispute, place="Lower Clapton Road", action_days=strike
    )
    wednesday = ActionDay.objects.get(dispute=dispute, date=days.first + 2 * ONE_DAY)
    for n in range(3):
        PicketSignupFactory(picket_line=line, action_day=wednesday, user__email=f"p{n}@x.org")
    return digest, days, dispute, line, strike


def flat(text: str) -> str:
    """The text as one line: what it says, whichever way it is wrapped."""
    return " ".join(text.split())


def section(text: str, heading: str) -> str:
    """One section of the text part: from its heading to the next blank-line-led heading."""
    start = text.index(f"\n{heading}\n")
    following = re.search(r"\n\n[A-Z][A-Z ]+\n", text[start + 1 :])
    return text[start : start + 1 + following.start()] if following else text[start:]


def test_a_long_strike_is_one_entry_with_its_runs_its_picket_line_and_one_link(
    smtp_server, clp, members, long_strike
):
    digest, days, dispute, line, strike = long_strike
    assert sending.send_all(digest.pk) == 5
    this_week = [day for day in strike if days.first <= day.date <= days.last]
    [run] = runs(this_week)
    tuesday = short_day(days.first + ONE_DAY)
    assert run.label == (
        f"{short_day(days.first)} to {short_day(days.first + 4 * ONE_DAY)}, 8am to 11am "
        f"(not {tuesday}: cancelled)"
    )
    dispute_url = f"https://tuliaison.example.org/disputes/{dispute.pk}/"
    going_ahead = [day for day in this_week if not day.cancelled]
    by_email = {member.email: member.pk for member in members}

    for copy in smtp_server.received:
        text, html = copy.text.replace("\r\n", "\n"), copy.html
        # The week's label and the days listed are the same week.
        label = f"week of {days.first:%A} {days.first.day} {days.first:%B}"
        assert days.label == label
        assert text.splitlines()[1] == label[0].upper() + label[1:]
        assert f"· {label}</div>" in html
        assert copy.message["Subject"] == (
            "Strikes this week: UNISON mental health social workers in Clapton out from Monday"
        )

        strikes = section(text, "STRIKE DAYS")
        assert flat(strikes).count(TITLE) == 1
        assert f"Strike: {run.label}" in flat(strikes)
        assert "Then 30 more days, to" in flat(strikes)
        assert f"to {short_day(strike[-1].date)}." in flat(strikes)
        assert "Picket line near you: see above." in strikes
        # One link for the dispute, in each part.
        assert text.count(dispute_url) == 1
        assert html.count(f'href="{dispute_url}"') == 1
        assert html.count(f">{TITLE}</a>") == 1

        pickets = section(text, "PICKET LINES TO JOIN")
        assert flat(pickets).count(TITLE) == 1
        assert f"{run.dates_label}, 7am to 10am (not {tuesday}: cancelled)" in flat(pickets)
        # Every date the email lists for the strike and the picket line is in its week.
        listed = DATE.findall(strikes.split("Then ")[0] + pickets)
        assert listed and all(
            short_day(d) in listed for d in (days.first, days.first + 4 * ONE_DAY)
        )
        week = {short_day(days.first + n * ONE_DAY) for n in range(7)}
        assert set(listed) <= week, set(listed) - week

        # An "I'll go" for each day the picket line stands this week, the reader's own, the
        # same in both parts; none for the day called off.
        tokens = GO.findall(text)
        assert GO.findall(html) == tokens
        signed = {tuple(GO_LINKS.unsign_ids(token, 2)) for token, _, _ in tokens}
        assert signed == {(by_email[copy.to[0]], digest.pk)}
        assert [(int(line_id), int(day_id)) for _, line_id, day_id in tokens] == [
            (line.pk, day.pk) for day in going_ahead
        ]
        # Counts only where someone is going.
        for part in (text, html):
            assert not re.search(r"\b0 going", part)
            assert part.count("3 going") == 1
        assert f"- {short_day(days.first + 2 * ONE_DAY)}, 3 going:" in text

        # The text part fits 78 columns; only a URL too long for a line runs past, alone on
        # its line and whole.
        for row in text.splitlines():
            assert len(row) <= 78 or re.fullmatch(r" *https?://\S+", row), row


def test_the_web_version_has_the_same_one_entry_and_no_ones_links(
    smtp_server, client, clp, members, long_strike
):
    digest, days, dispute, line, _ = long_strike
    sending.send_all(digest.pk)
    page = client.get(f"/c/{clp.slug}/emails/{digest.week_start.isoformat()}/")
    html = page.content.decode()
    assert html.count(f">{TITLE}</a>") == 1
    assert "/go/" not in html and "0 going" not in html
    assert f"· {days.label}</div>" in html
