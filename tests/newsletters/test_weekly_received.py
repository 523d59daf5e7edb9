"""The weekly email as subscribers receive it, on every path it takes: the bytes a real SMTP
server took in, the files the file backend wrote, and the calls the email service received on
the batch path. Each recipient gets a message of their own whose List-Unsubscribe is a literal
<https://...> that unsubscribes them with one POST and no cookie."""

import datetime
import json
import re
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletters.links import DAY_GO_LINKS, GO_LINKS
from newsletters.models import Subscriber, SubscriberStatus
from newsletters.weekly import sending
from newsletters.weekly.render import go_placeholder
from newsletters.weekly.services import ensure_upcoming_digest
from pickets.models import PicketSignup

from ..factories import (
    ActionDayFactory,
    DigestFactory,
    PicketLineFactory,
    PicketSignupFactory,
    SubscriberFactory,
)
from ..mailbox import assert_list_headers, assert_well_formed, read_mail_dir
from .fake_esp import expand

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"
LIST_ID = f"hackney-north.weekly.{DOMAIN}"
WRITES = ("INSERT", "UPDATE", "DELETE")
ONE_DAY = datetime.timedelta(days=1)


def one_click(url: str) -> int:
    """What a mail program's Unsubscribe button does (RFC 8058): a POST with no cookie."""
    response = Client(enforce_csrf_checks=True).post(
        urlsplit(url).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    return response.status_code


def check_each_copy(received, members) -> None:
    """One message per subscriber, to that subscriber alone, well formed, with their own
    links in both parts and list headers that unsubscribe them."""
    by_email = {m.email: m for m in members}
    assert sorted(r.to[0] for r in received) == sorted(by_email)
    for copy in received:
        assert len(copy.to) == 1
        member = by_email[copy.to[0]]
        assert_well_formed(copy, domain=DOMAIN)
        url = assert_list_headers(copy, list_id=LIST_ID)
        assert url == f"https://{DOMAIN}/subscriptions/{member.token}/unsubscribe/"
        for part in (copy.text, copy.html):
            assert f"/subscriptions/{member.token}/unsubscribe/" in part
            assert "__TULIAISON" not in part
        assert copy.message["Subject"].startswith("Strikes and ballots")


def test_over_smtp_each_subscriber_receives_their_own_copy_with_one_click_unsubscribe(
    smtp_server, clp, members
):
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    received = smtp_server.received
    assert all(len(r.envelope_to) == 1 for r in received)
    check_each_copy(received, members)

    url = assert_list_headers(received[0], list_id=LIST_ID)
    assert one_click(url) == 200
    gone = Subscriber.objects.get(email=received[0].to[0])
    assert gone.status == SubscriberStatus.UNSUBSCRIBED
    assert Subscriber.objects.filter(status=SubscriberStatus.ACTIVE).count() == 4


def test_through_the_file_backend_the_files_hold_the_same(settings, tmp_path, clp, members):
    settings.SITE_URL = f"https://{DOMAIN}"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    check_each_copy(read_mail_dir(tmp_path), members)


def test_on_the_batch_path_the_service_receives_each_recipients_own_headers(
    esp, settings, clp, members
):
    settings.SITE_URL = f"https://{DOMAIN}"
    assert sending.send_all(ensure_upcoming_digest(clp).pk) == 5
    assert len(esp.forms) == 3  # batches of 2
    by_email = {m.email: m for m in members}
    seen = []
    for form in esp.forms:  # each call's fields, as the service read them from its body
        variables = json.loads(form["recipient-variables"][0])
        # Recipient variables for every address: Mailgun sends each its own message.
        assert set(variables) == set(form["to"])
        assert form["text"][0] and form["html"][0]
        assert form["h:List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
        assert form["h:List-Id"][0].endswith(f"<{LIST_ID}>")
        for address in form["to"]:
            member = by_email[address]
            own = variables[address]
            unsubscribe = f"https://{DOMAIN}/subscriptions/{member.token}/unsubscribe/"
            assert expand(form["h:List-Unsubscribe"][0], own) == f"<{unsubscribe}>"
            assert unsubscribe in expand(form["text"][0], own)
            assert unsubscribe in expand(form["html"][0], own)
            seen.append(address)
    assert sorted(seen) == sorted(by_email)


@pytest.fixture
def picket_line(clp):
    """A picket line on a day the week's email covers."""
    digest = ensure_upcoming_digest(clp)
    day = ActionDayFactory(date=max(timezone.localdate(), digest.week_start) + ONE_DAY)
    return PicketLineFactory(clp=clp, dispute=day.dispute, action_days=[day])


GO_LINK = re.compile(rf"https://{re.escape(DOMAIN)}(/go/[^/\s\"<>]+/[0-9]+/[0-9]+/)")


def go_links(text: str) -> list[str]:
    return GO_LINK.findall(text)


def signed(link: str) -> tuple[int, int, int, int]:
    """The subscriber and digest an "I'll go" link's token is signed for, and its line and day."""
    _, _, token, line_id, day_id, _ = link.split("/")
    subscriber_id, digest_id = GO_LINKS.unsign_ids(token, 2)
    return subscriber_id, digest_id, int(line_id), int(day_id)


def say_ill_go(path: str) -> int:
    """What a reader does: opens the link, then presses the page's one button."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    return browser.post(path, {"csrfmiddlewaretoken": token}).status_code


def test_each_copy_carries_its_reader_own_ill_go_link_which_signs_them_up_with_one_post(
    smtp_server, clp, members, picket_line
):
    digest = ensure_upcoming_digest(clp)
    sending.send_all(digest.pk)
    by_email = {m.email: m for m in members}
    seen = set()
    for copy in smtp_server.received:
        links = go_links(copy.text)
        assert len(links) == 1 and go_links(copy.html) == links
        subscriber_id, digest_id, line_id, day_id = signed(links[0])
        assert (subscriber_id, digest_id) == (by_email[copy.to[0]].pk, digest.pk)
        assert (line_id, day_id) == (picket_line.pk, picket_line.action_days.get().pk)
        seen.add(links[0])
    assert len(seen) == 5  # everyone's own

    # A link scanner opens every link in a copy: nothing is written, anywhere (but the CSRF
    # cookie a page with a form sets, which is no row).
    first = smtp_server.received[0]
    on_site = [link for link in first.links() if link.startswith(f"https://{DOMAIN}/")]
    assert len(on_site) >= 6
    for link in on_site:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(urlsplit(link).path).status_code == 200, link
        writes = [q["sql"] for q in queries if q["sql"].split()[0] in WRITES]
        assert writes == [], (link, writes)
    assert not PicketSignup.objects.exists()

    assert say_ill_go(go_links(first.text)[0]) == 302
    signup = PicketSignup.objects.get()
    assert (signup.source, signup.email, signup.user) == ("subscriber", first.to[0], None)
    assert signup.confirmed_at is not None
    public = Client().get(f"/c/{clp.slug}/pickets/{picket_line.pk}/").content.decode()
    assert "1 going" in public
    # Pressed again, or from a forwarded copy's second click: still one.
    assert say_ill_go(go_links(first.text)[0]) == 302
    assert PicketSignup.objects.count() == 1


def test_on_the_batch_path_each_recipients_ill_go_link_is_made_from_their_merge_data(
    esp, settings, clp, members, picket_line
):
    settings.SITE_URL = f"https://{DOMAIN}"
    digest = ensure_upcoming_digest(clp)
    sending.send_all(digest.pk)
    by_email = {m.email: m for m in members}
    day = picket_line.action_days.get()
    for form in esp.forms:  # each call's fields, as the service read them from its body
        variables = json.loads(form["recipient-variables"][0])
        assert "__TULIAISON" not in form["html"][0]
        for address in form["to"]:
            html = expand(form["html"][0], variables[address])
            [link] = go_links(html)
            assert go_links(expand(form["text"][0], variables[address])) == [link]
            assert signed(link) == (by_email[address].pk, digest.pk, picket_line.pk, day.pk)


def refused(path: str, status: int = 404, says: str = "This link doesn") -> bool:
    """Whether a GET and a POST of the path are both refused so."""
    return all(
        response.status_code == status and says in response.content.decode()
        for response in (Client().get(path), Client().post(path))
    )


def test_a_forged_expired_or_unsubscribed_ill_go_link_is_refused_and_changes_nothing(
    clp, other_clp, members, picket_line
):
    day = picket_line.action_days.get()
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)  # it offers the day
    alice, bob = members[0], members[1]
    genuine = GO_LINKS.sign(alice.pk, digest.pk)
    mac = genuine.rsplit(".", 1)[1]
    line_and_day = f"{picket_line.pk}/{day.pk}"
    # A day of the CLP's the digest did not offer, and one of another CLP's.
    other_day = ActionDayFactory(dispute=day.dispute, date=day.date + ONE_DAY)
    other_line = PicketLineFactory(clp=clp, dispute=day.dispute, action_days=[other_day])
    elsewhere = PicketLineFactory(clp=other_clp, dispute=day.dispute, action_days=[day])
    # Another CLP's email that offered the day of this CLP's line (as no email would).
    theirs = DigestFactory(clp=other_clp, html=go_placeholder(picket_line.pk, day.pk))
    # This CLP's email that offered another CLP's line.
    ours = DigestFactory(
        clp=clp,
        week_start=digest.week_start - ONE_DAY * 7,
        html=go_placeholder(elsewhere.pk, day.pk),
    )
    for path in [
        f"/go/{bob.pk}.{digest.pk}.{mac}/{line_and_day}/",  # Bob's id on Alice's signature
        f"/go/{alice.pk}.{digest.pk}.{mac[:-2]}/{line_and_day}/",  # cut short
        f"/go/{alice.pk}.{digest.pk}/{line_and_day}/",
        f"/go/{genuine}/{other_line.pk}/{other_day.pk}/",  # not in the email
        f"/go/{genuine}/{picket_line.pk}/{other_day.pk}/",
        f"/go/{genuine}/{elsewhere.pk}/{day.pk}/",
        f"/go/{GO_LINKS.sign(alice.pk, theirs.pk)}/{line_and_day}/",
        f"/go/{GO_LINKS.sign(alice.pk, ours.pk)}/{elsewhere.pk}/{day.pk}/",
        f"/go/{genuine}/",  # the token without its line and day
        f"/go/{DAY_GO_LINKS.sign(alice.pk, picket_line.pk, day.pk)}/{line_and_day}/",
        f"/go/{GO_LINKS.sign(alice.pk, picket_line.pk, day.pk)}/",  # another purpose's form
        "/go/not-a-link/",
    ]:
        assert refused(path), path
    path = f"/go/{genuine}/{line_and_day}/"
    Subscriber.objects.filter(pk=alice.pk).update(status=SubscriberStatus.UNSUBSCRIBED)
    assert refused(path, 410, "unsubscribed")
    Subscriber.objects.filter(pk=alice.pk).update(status=SubscriberStatus.ACTIVE)
    type(day).objects.filter(pk=day.pk).update(date=timezone.localdate() - ONE_DAY)
    assert refused(path, 410, "That day is over")
    assert not PicketSignup.objects.exists()


def test_a_link_in_an_email_sent_before_one_token_a_day_still_opens(clp, members, picket_line):
    day = picket_line.action_days.get()
    path = f"/go/{DAY_GO_LINKS.sign(members[0].pk, picket_line.pk, day.pk)}/"
    assert say_ill_go(path) == 302
    signup = PicketSignup.objects.get()
    assert (signup.email, signup.action_day) == (members[0].email, day)
    forged = f"/go/{DAY_GO_LINKS.sign(members[0].pk, picket_line.pk, day.pk)[:-2]}/"
    assert refused(forged)


@pytest.mark.parametrize("subscribers", [1, 30])
def test_the_ill_go_page_costs_the_same_whatever_the_sign_ups(clp, picket_line, subscribers):
    day = picket_line.action_days.get()
    readers = [SubscriberFactory(clp=clp) for _ in range(subscribers)]
    for reader in readers[1:]:
        PicketSignupFactory(
            picket_line=picket_line,
            action_day=day,
            user=None,
            source="subscriber",
            name="A reader",
            email=reader.email,
        )
    digest = sending.prepare(ensure_upcoming_digest(clp).pk)
    path = f"/go/{GO_LINKS.sign(readers[0].pk, digest.pk)}/{picket_line.pk}/{day.pk}/"
    client = Client()
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(path)
    assert page.status_code == 200
    assert len(queries) == 6  # one of them: whether the digest offered the day
