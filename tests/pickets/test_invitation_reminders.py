"""The evening before, a reminder to each representative who said they'd come: once, through
the outbox, read as the mail server received it."""

import re

import pytest

from pickets.invitations import send_due_reminders
from pickets.links import ANSWER_LINKS
from pickets.models import Answer
from pickets.tasks import send_picket_reminders

from ..factories import PicketInvitationFactory, RepresentativeFactory
from ..mailbox import assert_well_formed

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"


@pytest.fixture(autouse=True)
def sent_at_commit(eager):
    """The outbox sends each email when the transaction that wrote it commits."""


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders()

    return run


@pytest.fixture
def days(picket_line, tomorrow):
    return picket_line.action_days.get(date=tomorrow), picket_line.action_days.exclude(
        date=tomorrow
    ).get()


def invited(picket_line, name, answer="", day=None, email=None):
    rep = RepresentativeFactory(
        clp=picket_line.clp, name=name, email=email or f"{name.split()[0].lower()}@example.org"
    )
    return PicketInvitationFactory(
        picket_line=picket_line, representative=rep, answer=answer, answer_day=day
    )


def test_those_who_said_yes_for_tomorrow_get_one_reminder(smtp_server, remind, picket_line, days):
    tomorrow, later = days
    yes = invited(picket_line, "Ali Khan", Answer.YES, tomorrow)
    invited(picket_line, "Jane Smith", Answer.YES, later)  # a later day: not tonight
    invited(picket_line, "Sem Moema", Answer.NO)
    invited(picket_line, "Bo Li", Answer.MORE)
    invited(picket_line, "Cy Ng")  # no answer

    assert remind() == 1
    assert remind() == 0  # a second run sends nothing more

    (received,) = smtp_server.received
    assert received.to == ["ali@example.org"]
    assert_well_formed(received, domain=DOMAIN)
    assert received.message["Subject"] == "Tomorrow: the picket line at The yard gate"
    assert received.text.startswith("Dear Councillor Ali Khan,")
    for part in (received.text, received.html):
        assert "The yard gate, N16 0AA" in part
        assert "7am to 10am" in part
        assert f"{tomorrow.date:%A} {tomorrow.date.day} {tomorrow.date:%B}" in part
    (url,) = [u for u in re.findall(r"https?://\S+", received.text) if "/invited/" in u]
    assert ANSWER_LINKS.unsign_ids(url.rstrip("/").rsplit("/", 1)[1], 1) == [yes.pk]
    (attachment,) = list(received.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"


def test_a_cancelled_day_or_no_address_sends_nothing(smtp_server, remind, picket_line, days):
    tomorrow, _ = days
    invited(picket_line, "Ali Khan", Answer.YES, tomorrow)
    tomorrow.cancelled = True
    tomorrow.save()
    assert remind() == 0
    tomorrow.cancelled = False
    tomorrow.save()
    nobody = invited(picket_line, "Jo Bloggs", Answer.YES, tomorrow)
    nobody.representative.email = ""
    nobody.representative.save()
    assert remind() == 1
    assert [r.to for r in smtp_server.received] == [["ali@example.org"]]


def test_changing_to_another_day_earns_a_reminder_for_that_day(
    client, smtp_server, remind, picket_line, days
):
    tomorrow, later = days
    invitation = invited(picket_line, "Ali Khan", Answer.YES, tomorrow)
    assert remind() == 1
    path = f"/invited/{ANSWER_LINKS.sign(invitation.pk)}/"
    client.post(path, {"answer": "yes", "day": later.pk})
    invitation.refresh_from_db()
    assert invitation.reminder_sent_at is None and invitation.answer_day == later


def test_the_evening_task_sends_members_and_representatives_reminders(
    smtp_server, django_capture_on_commit_callbacks, picket_line, days, member
):
    from ..factories import PicketSignupFactory

    tomorrow, _ = days
    PicketSignupFactory(picket_line=picket_line, action_day=tomorrow, user=member)
    invited(picket_line, "Ali Khan", Answer.YES, tomorrow)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_picket_reminders() == 2
    assert {r.to[0] for r in smtp_server.received} == {member.email, "ali@example.org"}
