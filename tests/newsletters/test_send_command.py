import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from ..factories import SubscriberFactory, WeeklyScheduleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(clp):
    WeeklyScheduleFactory(clp=clp, skip_empty=False)
    for email in ("a@example.org", "b@example.org"):
        SubscriberFactory(clp=clp, email=email)


def test_dry_run_shows_the_email_and_sends_nothing(clp, subscribed, capsys):
    call_command("send_weekly_digest", clp=clp.slug, dry_run=True)
    out = capsys.readouterr().out
    assert "Would go to 2 subscriber(s). Nothing was sent." in out
    assert "__TULIAISON" not in out
    assert mail.outbox == []


def test_send_now_sends_once_and_says_how_many(clp, subscribed, capsys):
    call_command("send_weekly_digest", clp=clp.slug)
    assert "sent to 2 recipient(s)" in capsys.readouterr().out
    call_command("send_weekly_digest", clp=clp.slug)
    assert len(mail.outbox) == 2


def test_an_unknown_clp_names_the_ones_there_are(clp):
    with pytest.raises(CommandError, match="No CLP with the slug 'nowhere'.*hackney-north"):
        call_command("send_weekly_digest", clp="nowhere")
