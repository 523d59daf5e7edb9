"""Every kind of one-off email the app sends, as a real SMTP server on loopback receives it:
a text and an HTML part, a Message-ID on the site's domain, headers as written, and the links
its reader needs. (The weekly email has its own: tests/newsletters/test_weekly_received.py.)"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clps import joining, outbox
from clps.models import JoinOutcome, Role
from newsletters import services
from newsletters.models import DigestStatus, Subscriber
from newsletters.monthly import services as monthly_services
from newsletters.weekly import sending
from newsletters.weekly.services import ensure_upcoming_digest
from pickets.reminders import send_due_reminders

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    JoinRequestFactory,
    NewsletterScheduleFactory,
    PicketLineFactory,
    PicketSignupFactory,
    SubscriberFactory,
)
from ..mailbox import assert_list_headers, assert_well_formed

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"
SITE = f"https://{DOMAIN}"


def only(smtp_server, to: str):
    assert len(smtp_server.received) == 1, [r.to for r in smtp_server.received]
    received = smtp_server.received[0]
    assert received.to == [to] and received.envelope_to == [to]
    assert_well_formed(received, domain=DOMAIN)
    return received


@pytest.fixture(autouse=True)
def sent_at_commit(eager):
    """The outbox sends each email when the transaction that wrote it commits."""


def test_a_subscription_confirmation(smtp_server, clp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe(clp=clp, email="ada@example.org", name="Ada")
    received = only(smtp_server, "ada@example.org")
    token = Subscriber.objects.get(email="ada@example.org").token
    for part in (received.text, received.html):
        assert f"{SITE}/subscriptions/{token}/confirm/" in part
    # Not yet on the list: nothing to unsubscribe from, but it is the list's mail.
    assert not received.has_header("List-Unsubscribe")
    assert received.raw_header("List-Id").endswith(f"<hackney-north.weekly.{DOMAIN}>")


def test_a_subscriber_who_subscribes_again_is_told_with_their_own_links(
    smtp_server, clp, django_capture_on_commit_callbacks
):
    active = SubscriberFactory(clp=clp, email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe(clp=clp, email="sam@example.org")
    received = only(smtp_server, "sam@example.org")
    url = assert_list_headers(received, list_id=f"hackney-north.weekly.{DOMAIN}")
    assert url == f"{SITE}/subscriptions/{active.token}/unsubscribe/"


def test_a_picket_reminder(smtp_server, clp, member, django_capture_on_commit_callbacks):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    dispute = DisputeFactory(title="Royal Mail delivery office")
    day = ActionDayFactory(dispute=dispute, date=tomorrow)
    line = PicketLineFactory(clp=clp, dispute=dispute, action_days=[day])
    PicketSignupFactory(picket_line=line, action_day=day, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == 1
    received = only(smtp_server, member.email)
    assert received.message["Subject"] == "Tomorrow: picket line at The yard gate"
    for part in (received.text, received.html):
        assert "The yard gate" in part
        assert f"/c/{clp.slug}/pickets/{line.pk}/" in part
        assert f"{SITE}/going/" in part  # "I can't come after all"
    (attachment,) = received.message.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"picket-line-{tomorrow.isoformat()}.ics"


def test_the_monthly_section_to_the_newsletter_editor(smtp_server, clp, tulo):
    NewsletterScheduleFactory(clp=clp, editor_email="editor@example.org")
    section, _ = monthly_services.section_build(
        clp=clp, month=datetime.date(2026, 10, 1), notify=False
    )
    monthly_services.section_approve(section=section, number=1, by=tulo)
    assert outbox.send(section.versions.get(number=1).editor_mail_id) is True
    received = only(smtp_server, "editor@example.org")
    assert received.raw_header("Reply-To") == tulo.email
    attachments = [part.get_filename() for part in received.message.iter_attachments()]
    assert attachments == ["union-updates-2026-10.md"]


def test_the_notice_to_tulos_that_the_section_is_drafted(
    smtp_server, clp, tulo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        monthly_services.section_build(clp=clp, month=datetime.date(2026, 10, 1))
    received = only(smtp_server, tulo.email)
    for part in (received.text, received.html):
        assert f"{SITE}/c/{clp.slug}/newsletter/" in part


def test_the_notice_to_tulos_that_the_weekly_email_stopped(
    smtp_server, clp, tulo, django_capture_on_commit_callbacks
):
    digest = ensure_upcoming_digest(clp)
    digest.status = DigestStatus.SENDING
    digest.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.stop(digest.pk, "12 of 50 refused by the email service") is True
    received = only(smtp_server, tulo.email)
    for part in (received.text, received.html):
        assert f"{SITE}/c/{clp.slug}/weekly/{digest.pk}/" in part


def test_a_test_copy_of_the_weekly_email_to_the_tulo(smtp_server, client, clp, tulo):
    client.force_login(tulo)
    client.post(reverse("newsletters:send_test", args=[clp.slug]))
    received = only(smtp_server, tulo.email)
    assert received.message["Subject"].startswith("[Test] ")


def test_allauths_password_reset_through_the_same_builder(smtp_server, client, member):
    client.post(reverse("account_reset_password"), {"email": member.email})
    received = only(smtp_server, member.email)
    assert received.message["Subject"].startswith("[TU Liaison] ")
    link = next(url for url in received.links() if "/accounts/password/reset/key/" in url)
    assert link.startswith("http")
    assert f'href="{link}"' in received.html


def test_the_notice_to_tulos_of_a_request_to_join(
    smtp_server, clp, tulo, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        joining.clp_join(clp=clp, user=outsider)
    received = only(smtp_server, tulo.email)
    assert received.message["Subject"] == (
        f"{outsider.name} asks to join Hackney North & Stoke Newington on TU Liaison"
    )
    for part in (received.text, received.html):
        assert outsider.email in part
        assert f"{SITE}/c/{clp.slug}/people/" in part


@pytest.mark.parametrize("outcome", [JoinOutcome.APPROVED, JoinOutcome.DECLINED])
def test_the_answer_to_a_request_to_join(
    smtp_server, clp, tulo, outsider, outcome, django_capture_on_commit_callbacks
):
    join_request = JoinRequestFactory(clp=clp, user=outsider)
    with django_capture_on_commit_callbacks(execute=True):
        joining.join_request_decide(join_request=join_request, by=tulo, outcome=outcome)
    received = only(smtp_server, outsider.email)
    said = "You are now a member" if outcome == JoinOutcome.APPROVED else "Thank you for asking"
    for part in (received.text, received.html):
        assert said in part
        assert f"{SITE}/c/{clp.slug}/" in part


def test_an_invitation_to_join(smtp_server, client, clp, tulo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, url = joining.invitation_send(
            clp=clp, email="ada@example.org", role=Role.EXECUTIVE, by=tulo
        )
    received = only(smtp_server, "ada@example.org")
    assert received.message["Subject"] == (
        "Priya Sharma invites you to join Hackney North & Stoke Newington on TU Liaison"
    )
    link = next(link for link in received.links() if "/invitations/" in link)
    assert link == url and link.startswith(f"{SITE}/invitations/")
    assert link in received.text and f'href="{link}"' in received.html
    for part in (received.text, received.html):
        assert "Executive" in part
    # The link from the bytes opens the invitation.
    page = client.get(link.removeprefix(SITE))
    assert page.status_code == 200
    assert "Priya Sharma invited you to join" in page.content.decode()
