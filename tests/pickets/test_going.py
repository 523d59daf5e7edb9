"""Saying you'll go to a picket line without an account: on the public page with a name and an
email, confirmed from the emailed link as it arrives; and the signed links that confirm and
cancel, which a link scanner's GET cannot work and a forged or stale one cannot open."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clps import public_cache
from clps.models import OutgoingMail
from pickets import services
from pickets.links import CANCEL_LINKS, CONFIRM_LINKS, cancel_url, confirm_url
from pickets.models import PicketSignup, SignupSource

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    LeadLinkFactory,
    MembershipFactory,
    PicketLineFactory,
    PicketSignupFactory,
)
from ..mailbox import assert_well_formed

pytestmark = pytest.mark.django_db

DOMAIN = "tuliaison.example.org"


@pytest.fixture(autouse=True)
def sent_at_commit(eager):
    """The outbox sends each email when the transaction that wrote it commits."""


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def line(clp):
    """A picket line on the day after tomorrow and the day after."""
    dispute = DisputeFactory()
    today = timezone.localdate()
    days = [
        ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=n)) for n in (2, 3)
    ]
    return PicketLineFactory(clp=clp, dispute=dispute, action_days=days)


def page_url(line) -> str:
    return reverse("pickets:picket_line", args=[line.clp.slug, line.pk])


def browser() -> Client:
    """A visitor's browser: CSRF checked as in production, the token taken from the page."""
    return Client(enforce_csrf_checks=True)


def post_form(client: Client, page: str, action: str, data: dict):
    html = client.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    return client.post(action, {"csrfmiddlewaretoken": token, **data})


def sign_up(client, line, **data):
    day = line.action_days.order_by("date").first()
    form = {"action_day": day.pk, "name": "Rosa Parks", "email": "rosa@example.net", **data}
    return post_form(
        client,
        page_url(line),
        reverse("pickets:public_signup", args=[line.clp.slug, line.pk]),
        form,
    )


def link_in(received, path: str) -> str:
    """The one link to `path` in the email as received, the same in both parts."""
    pattern = rf"https://{re.escape(DOMAIN)}{path}[^\s\"<>]+/"
    text_links = set(re.findall(pattern, received.text))
    html_links = set(re.findall(pattern, received.html))
    assert len(text_links) == 1 and text_links == html_links, (text_links, html_links)
    return text_links.pop().removeprefix(f"https://{DOMAIN}")


def test_someone_with_no_account_signs_up_and_is_counted_once_they_confirm(
    smtp_server, line, django_capture_on_commit_callbacks
):
    client = browser()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, line)
    assert response.status_code == 302
    assert response["Location"].endswith("/sign-up/check-your-email/")
    assert "Check your email" in client.get(response["Location"]).content.decode()

    signup = PicketSignup.objects.get()
    assert (signup.source, signup.name, signup.email) == (
        "public",
        "Rosa Parks",
        "rosa@example.net",
    )
    assert signup.confirmed_at is None and signup.user is None
    assert "going" not in client.get(page_url(line)).content.decode().split("<h2>Days</h2>")[1]

    [received] = smtp_server.received
    assert received.to == ["rosa@example.net"]
    assert_well_formed(received, domain=DOMAIN)
    assert received.message["Subject"].startswith("Confirm you'll go: picket line on ")
    assert "The yard gate, N16 0AA" in received.text
    confirm = link_in(received, "/going/")

    # A link scanner opens it: nothing changes.
    assert Client().get(confirm).status_code == 200
    signup.refresh_from_db()
    assert signup.confirmed_at is None

    # The person presses the button.
    response = post_form(client, confirm, confirm, {})
    assert response.status_code == 302
    page = client.get(confirm).content.decode()
    assert "<h1>You're going</h1>" in page and "Thank you, Rosa" in page
    signup.refresh_from_db()
    assert signup.confirmed_at is not None
    assert "1 going" in client.get(page_url(line)).content.decode()


def test_asking_twice_sends_the_link_again_and_keeps_one_sign_up(line):
    sign_up(browser(), line)
    sign_up(browser(), line, email="ROSA@example.net")
    assert PicketSignup.objects.count() == 1
    assert OutgoingMail.objects.filter(kind="picket_signup_confirm").count() == 2


def test_a_confirmed_sign_up_asked_for_again_sends_nothing_and_says_the_same(line):
    signup = PicketSignupFactory(
        picket_line=line,
        action_day=line.action_days.order_by("date").first(),
        public=True,
        email="rosa@example.net",
        confirmed_at=timezone.now(),
    )
    response = sign_up(browser(), line)
    assert response["Location"].endswith("/sign-up/check-your-email/")
    assert not OutgoingMail.objects.exists()
    assert PicketSignup.objects.get() == signup


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Write your name"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "rosa at home"}, "That is not an email address"),
        ({"name": "<script>alert(1)</script>"}, "A name can&#x27;t contain &lt; or &gt;"),
        ({"name": "x" * 101}, "Keep your name to 100 characters"),
        ({"action_day": "999999"}, "That day is no longer open"),
        ({"action_day": ""}, "Choose the day you can go"),
    ],
)
def test_bad_input_is_refused_clearly_and_what_was_typed_is_kept(line, data, message):
    response = sign_up(browser(), line, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing has been saved yet" in page
    kept = data.get("email", "rosa@example.net")
    if "@" in kept:
        assert f'value="{kept}"' in page
    assert not PicketSignup.objects.exists() and not OutgoingMail.objects.exists()


def test_a_day_that_has_passed_or_was_cancelled_is_not_offered(clp):
    today = timezone.localdate()
    past = ActionDayFactory(date=today - datetime.timedelta(days=1))
    cancelled = ActionDayFactory(
        dispute=past.dispute, date=today + datetime.timedelta(days=1), cancelled=True
    )
    line = PicketLineFactory(clp=clp, dispute=past.dispute, action_days=[past, cancelled])
    page = browser().get(page_url(line)).content.decode()
    assert "Say you'll go" not in page  # no day open: no form
    for day in (past, cancelled):
        response = Client().post(
            reverse("pickets:public_signup", args=[clp.slug, line.pk]),
            {"action_day": day.pk, "name": "Rosa", "email": "rosa@example.net"},
        )
        assert response.status_code == 400
    assert not PicketSignup.objects.exists() and not OutgoingMail.objects.exists()


def test_sign_ups_from_one_connection_are_limited_per_hour(line):
    for n in range(10):
        assert sign_up(browser(), line, email=f"person{n}@example.net").status_code == 302
    response = sign_up(browser(), line, email="eleventh@example.net")
    assert response.status_code == 429
    assert "too many sign-ups from your internet connection" in response.content.decode()
    assert PicketSignup.objects.count() == 10 and OutgoingMail.objects.count() == 10


def test_the_cancel_link_asks_first_then_cancels_with_one_post(line):
    signup = PicketSignupFactory(
        picket_line=line, action_day=line.action_days.first(), public=True, confirmed_at=None
    )
    url = cancel_url(signup).removeprefix("http://testserver")
    url = url[url.index("/going/") :]
    page = Client().get(url)
    assert page.status_code == 200 and "I can't come after all" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex" and page["Referrer-Policy"] == "same-origin"
    assert PicketSignup.objects.exists()
    response = post_form(browser(), url, url, {})
    assert response.status_code == 200 and "Thanks for letting us know" in response.content.decode()
    assert not PicketSignup.objects.exists()
    # The link again: the sign-up is gone, and the page says so.
    again = Client().get(url)
    assert again.status_code == 404 and "removed" in again.content.decode()


def path_of(url: str) -> str:
    return url[url.index("/going/") :]


@pytest.mark.parametrize("kind", ["confirm", "cancel"])
def test_forged_altered_and_swapped_links_are_refused_and_change_nothing(line, kind):
    mine = PicketSignupFactory(picket_line=line, action_day=line.action_days.first(), public=True)
    theirs = PicketSignupFactory(picket_line=line, action_day=line.action_days.last(), public=True)
    signer, make = (CONFIRM_LINKS, confirm_url) if kind == "confirm" else (CANCEL_LINKS, cancel_url)
    genuine = signer.sign(mine.pk)
    other_kind = (CANCEL_LINKS if kind == "confirm" else CONFIRM_LINKS).sign(mine.pk)
    forged = [
        f"{theirs.pk}.{genuine.split('.')[1]}",  # another person's id on my signature
        genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),  # altered by one character
        other_kind,  # a cancel link's token on the confirm page, or the reverse
        "1",
        "x" * 500,
    ]
    before = list(PicketSignup.objects.values_list("pk", "confirmed_at").order_by("pk"))
    for token in forged:
        url = reverse(f"pickets_going:{kind}", args=[token])
        for response in (Client().get(url), Client().post(url)):
            assert response.status_code == 404
            assert "This link doesn" in response.content.decode()
    assert list(PicketSignup.objects.values_list("pk", "confirmed_at").order_by("pk")) == before
    assert path_of(make(mine)) == reverse(f"pickets_going:{kind}", args=[genuine])


def test_a_link_for_a_day_that_is_over_is_refused(clp):
    day = ActionDayFactory(date=timezone.localdate() - datetime.timedelta(days=1))
    line = PicketLineFactory(clp=clp, dispute=day.dispute, action_days=[day])
    signup = PicketSignupFactory(picket_line=line, action_day=day, public=True)
    for url in (confirm_url(signup), cancel_url(signup)):
        response = Client().post(path_of(url))
        assert response.status_code == 410 and "That day is over" in response.content.decode()
    signup.refresh_from_db()
    assert signup.confirmed_at is None


def test_the_tulo_sees_names_and_addresses_and_the_trip_leader_first_names_only(client, line, tulo):
    day = line.action_days.order_by("date").first()
    PicketSignupFactory(
        picket_line=line,
        action_day=day,
        public=True,
        name="Rosa Parks",
        email="rosa@example.net",
        confirmed_at=timezone.now(),
    )
    PicketSignupFactory(
        picket_line=line, action_day=day, public=True, name="Unconfirmed Person", confirmed_at=None
    )
    client.force_login(tulo)
    page = client.get(page_url(line)).content.decode()
    assert "Rosa Parks" in page and "not confirmed yet" in page and "Unconfirmed Person" in page
    link = LeadLinkFactory(picket_line=line)
    lead = Client().get(reverse("pickets_lead:lead", args=[link.token])).content.decode()
    assert "Rosa" in lead and "Parks" not in lead and "rosa@example.net" not in lead
    assert "Unconfirmed" not in lead
    # Anyone else sees a count, never a name.
    public = Client().get(page_url(line)).content.decode()
    assert "1 going" in public and "Rosa" not in public


def test_a_member_signed_up_is_not_counted_twice_under_the_same_address(clp, line):
    user = MembershipFactory(clp=clp, user__email="sam@example.org").user
    day = line.action_days.first()
    PicketSignupFactory(picket_line=line, action_day=day, user=user)
    result = services.signup_by_email(
        picket_line=line,
        action_day_id=day.pk,
        name="Sam",
        email="SAM@example.org",
        source=SignupSource.SUBSCRIBER,
    )
    assert not result.created and result.signup.user == user
    assert PicketSignup.objects.count() == 1


@pytest.mark.parametrize("signups", [1, 20])
def test_the_public_page_and_the_link_pages_cost_the_same_whatever_the_sign_ups(line, signups):
    day = line.action_days.order_by("date").first()
    for _ in range(signups):
        PicketSignupFactory(
            picket_line=line, action_day=day, public=True, confirmed_at=timezone.now()
        )
    signup = PicketSignup.objects.first()
    client = Client()
    pages = [page_url(line), path_of(confirm_url(signup)), path_of(cancel_url(signup))]
    counts = []
    for url in pages:
        client.get(url)
        public_cache.bump_shared()  # the public page rendered afresh, as after any change
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:  # the next visitor's
            assert Client().get(url).status_code == 200
        counts.append(len(queries))
    # The public page is kept for the next visitor; the link pages are each person's own.
    assert counts == [5, 0, 2, 2, 2, 2]
