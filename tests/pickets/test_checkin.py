"""The trip leader's check-in on the line: ticking off who came, adding who turned up without
signing up, and Done, which drafts the visit the TULO confirms and the report then counts."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsletters.monthly.selectors import gather
from pickets.checkin import people
from pickets.models import PicketSignup, PicketVisit, SignupSource, VisitStatus
from pickets.personal_data import signups_delete_old
from privacy.audit_log import audit_log_page

from ..factories import (
    ActionDayFactory,
    LeadLinkFactory,
    MembershipFactory,
    PicketLineFactory,
    PicketSignupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def line(clp, dispute, today):
    """A picket line on four days: four days ago, yesterday, today and tomorrow."""
    days = [ActionDayFactory(dispute=dispute, date=today + n * DAY) for n in (-4, -1, 0, 1)]
    return PicketLineFactory(clp=clp, dispute=dispute, action_days=days)


def day_of(line, date):
    return line.action_days.get(date=date)


@pytest.fixture
def link(line):
    return LeadLinkFactory(picket_line=line, label="Dave, trip leader")


def url(name, link, day=None):
    args = [link.token] if day is None else [link.token, day.pk]
    return reverse(f"pickets_lead:{name}", args=args)


def section(response, day) -> str:
    """The part of the leader's page about one day."""
    html = response.content.decode()
    start = html.index(f'id="day-{day.pk}"')
    return html[start : html.index("</section>", start)]


def tap(client, link, day, signup, came=True, **extra):
    return client.post(
        url("came", link, day), {"signup": signup.pk, "came": "1" if came else "0"}, **extra
    )


def test_check_in_drafts_a_visit_that_counts_once_the_tulo_confirms(
    client, clp, tulo, member, line, link, today
):
    day = day_of(line, today)
    ann = MembershipFactory(clp=clp, user__name="Ann Lee", user__email="ann@example.org").user
    outsider = UserFactory(name="Carl Dunn", email="carl@example.org")  # in no CLP
    sam = PicketSignupFactory(picket_line=line, action_day=day, user=member)
    ann_signup = PicketSignupFactory(picket_line=line, action_day=day, user=ann)
    bob = PicketSignupFactory(
        picket_line=line, action_day=day, public=True, name="Bob Stone", confirmed_at=timezone.now()
    )
    carl = PicketSignupFactory(picket_line=line, action_day=day, user=outsider)

    page = client.get(url("lead", link)).content.decode()
    for first in ("Sam", "Ann", "Bob", "Carl"):
        assert f'<span class="who">{first}</span>' in page
    for hidden in ("Whitfield", "Lee", "Stone", "Dunn", "@example"):
        assert hidden not in page
    assert "Done: send to the TULO" in page

    for signup in (sam, ann_signup, bob, carl):
        response = tap(client, link, day, signup)
        assert response.status_code == 302
        assert response["Location"] == url("lead", link) + f"#day-{day.pk}"
    tap(client, link, day, ann_signup, came=False)
    response = client.post(url("walk_in", link, day), {"name": "  Dee  "})
    assert response.status_code == 302
    walk_in = PicketSignup.objects.get(source=SignupSource.WALK_IN)
    assert (walk_in.name, walk_in.email, walk_in.user) == ("Dee", "", None)
    assert walk_in.attended_at is not None and walk_in.confirmed_at is not None

    page = client.get(url("lead", link)).content.decode()
    assert "<strong>4 came</strong> of 5 on the list" in page
    assert page.count('aria-pressed="true"') == 4

    response = client.post(url("done", link, day), follow=True)
    assert "Sent to the TULO: 4 people came." in response.content.decode()
    visit = PicketVisit.objects.get()
    assert visit.status == VisitStatus.REPORTED
    assert (visit.clp, visit.dispute, visit.picket_line) == (clp, line.dispute, line)
    assert (visit.date, visit.members_count, visit.lead_link) == (today, 4, link)
    assert visit.reported_by is None
    assert set(visit.members.all()) == {member}  # Carl came, but is no member of the CLP
    assert visit.report == "Checked in on the line by the trip leader: Sam and 3 others."
    history = visit.history.get()
    assert history.history_user is None
    assert history.history_change_reason == "from the trip leader's check-in"

    # Ann was there after all: ticked again and sent again, the same visit is brought up to date.
    tap(client, link, day, ann_signup)
    response = client.post(url("done", link, day), follow=True)
    assert "Sent again: the TULO&#x27;s draft now says 5 people came." in response.content.decode()
    visit = PicketVisit.objects.get()
    assert visit.members_count == 5
    assert set(visit.members.all()) == {member, ann}
    assert visit.report == "Checked in on the line by the trip leader: Sam, Ann and 3 others."

    client.force_login(tulo)
    listed = client.get(reverse("pickets:visits", args=[clp.slug])).content.decode()
    assert "From the trip leader's check-in" in listed
    shown = client.get(reverse("pickets:visit", args=[clp.slug, visit.pk])).content.decode()
    assert "from the trip leader's check-in (Dave, trip leader)" in shown
    assert "Ann Lee, Sam Whitfield" in shown or "Sam Whitfield, Ann Lee" in shown
    entries = audit_log_page(clp=clp).rows
    assert "no one signed in (from the trip leader's check-in)" in {e.who for e in entries}

    query = f"?period=custom&start={today.replace(day=1)}&end={today}"
    report_url = reverse("pickets:report", args=[clp.slug]) + query
    assert client.get(report_url).context["report"].visits == 0  # not counted until confirmed
    assert gather(clp=clp, month=today).report.visits == 0

    response = client.post(reverse("pickets:visit_confirm", args=[clp.slug, visit.pk]))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.confirmed_by) == (VisitStatus.CONFIRMED, tulo)

    report = client.get(report_url).context["report"]
    assert (report.visits, report.attendances, report.distinct_members) == (1, 5, 2)
    monthly = gather(clp=clp, month=today).report
    assert (monthly.visits, monthly.attendances, monthly.distinct_members) == (1, 5, 2)

    # Confirmed, the visit is the TULO's: the leader's Done changes nothing, and says so.
    client.logout()
    tap(client, link, day, sam, came=False)
    page = section(client.get(url("lead", link)), day)
    assert "The TULO has confirmed this day's visit: 5 came." in page
    assert url("done", link, day) not in page
    response = client.post(url("done", link, day), follow=True)
    assert "already confirmed this day&#x27;s visit (5 people)" in response.content.decode()
    visit.refresh_from_db()
    assert (visit.members_count, visit.status) == (5, VisitStatus.CONFIRMED)


def test_the_page_checks_in_today_and_the_last_three_days_and_lists_days_to_come(
    client, line, link, member, today
):
    for date in (today - 4 * DAY, today - DAY, today, today + DAY):
        PicketSignupFactory(picket_line=line, action_day=day_of(line, date), user=member)
    page = client.get(url("lead", link)).content.decode()
    yesterday, now, tomorrow = (day_of(line, today + n * DAY) for n in (-1, 0, 1))
    assert f'id="day-{day_of(line, today - 4 * DAY).pk}"' not in page  # check-in has closed
    assert url("came", link, yesterday) in page
    assert url("came", link, now) in page
    assert url("came", link, tomorrow) not in page  # nobody has come yet
    assert "1 going" in page
    assert page.count('<span class="who">Sam</span>') == 2
    assert page.count("<li>Sam</li>") == 1
    response = client.get(url("lead", link))
    assert response["Referrer-Policy"] == "same-origin"  # the token goes to no other site
    assert "no-store" in response["Cache-Control"]


def test_a_tap_through_htmx_swaps_in_just_the_day(client, line, link, member, today):
    day = day_of(line, today)
    signup = PicketSignupFactory(picket_line=line, action_day=day, user=member)
    response = tap(client, link, day, signup, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<section class="card lead-day" id="day-{day.pk}"' in html
    assert "<html" not in html
    assert 'aria-pressed="true"' in html and "Came" in html
    signup.refresh_from_db()
    assert signup.attended_at is not None


def test_a_second_tap_keeps_the_first_time_and_unticking_a_walk_in_removes_them(
    client, line, link, member, today
):
    day = day_of(line, today)
    signup = PicketSignupFactory(picket_line=line, action_day=day, user=member)
    tap(client, link, day, signup)
    first = PicketSignup.objects.get(pk=signup.pk).attended_at
    tap(client, link, day, signup)
    assert PicketSignup.objects.get(pk=signup.pk).attended_at == first
    client.post(url("walk_in", link, day), {"name": "Dee"})
    walk_in = PicketSignup.objects.get(source=SignupSource.WALK_IN)
    tap(client, link, day, walk_in, came=False)
    assert not PicketSignup.objects.filter(pk=walk_in.pk).exists()
    assert PicketSignup.objects.filter(pk=signup.pk).exists()


def test_two_links_to_one_line_send_one_visit_a_day(client, line, link, member, today):
    day = day_of(line, today)
    signup = PicketSignupFactory(picket_line=line, action_day=day, user=member)
    other = LeadLinkFactory(picket_line=line, label="Jo")
    tap(client, link, day, signup)
    client.post(url("done", link, day))
    client.post(url("walk_in", other, day), {"name": "Dee"})
    client.post(url("done", other, day))
    visit = PicketVisit.objects.get()
    assert (visit.members_count, visit.lead_link) == (2, other)


def test_done_with_nobody_ticked_drafts_nothing(client, line, link, member, today):
    day = day_of(line, today)
    PicketSignupFactory(picket_line=line, action_day=day, user=member)
    response = client.post(url("done", link, day), follow=True)
    assert "Nobody is ticked as came" in response.content.decode()
    assert 'class="message error"' in response.content.decode()
    assert not PicketVisit.objects.exists()


# Refusals: each answers with a page that says why, and changes nothing ------------------------


def snapshot():
    return (
        sorted(PicketSignup.objects.values_list("pk", "attended_at")),
        list(PicketVisit.objects.values_list("pk", "members_count")),
    )


def assert_refused(response, words: str, before):
    assert response.status_code == 404
    assert words in response.content.decode()
    assert snapshot() == before


@pytest.fixture
def ticked(line, member, today):
    """Today's sign-up, ticked, sent to the TULO."""
    day = day_of(line, today)
    signup = PicketSignupFactory(picket_line=line, action_day=day, user=member)
    return day, signup


@pytest.mark.parametrize("revoked", [True, False])
def test_a_revoked_or_forged_link_opens_nothing(client, link, ticked, revoked):
    day, signup = ticked
    if revoked:
        link.revoked_at = timezone.now()
        link.save()
    else:
        link.token = "a-guessed-token"  # not saved: the link as someone might forge it
    before = snapshot()
    words = "This link doesn't open"
    assert_refused(client.get(url("lead", link)), words, before)
    assert_refused(tap(client, link, day, signup), words, before)
    assert_refused(client.post(url("walk_in", link, day), {"name": "Dee"}), words, before)
    assert_refused(client.post(url("done", link, day)), words, before)


def test_another_lines_or_days_sign_up_is_not_on_the_list(client, clp, line, link, ticked, today):
    day, _ = ticked
    other_line = PicketLineFactory(clp=clp, action_days=[ActionDayFactory(date=today)])
    elsewhere = PicketSignupFactory(picket_line=other_line, action_day=other_line.action_days.get())
    yesterday = PicketSignupFactory(picket_line=line, action_day=day_of(line, today - DAY))
    waiting = PicketSignupFactory(picket_line=line, action_day=day, public=True)  # unconfirmed
    before = snapshot()
    words = "isn't on this day's list"
    for signup in (elsewhere, yesterday, waiting):
        assert_refused(tap(client, link, day, signup), words, before)
    for data in ({"signup": "-1", "came": "1"}, {"signup": "9" * 30, "came": "1"}, {}):
        assert_refused(client.post(url("came", link, day), data), words, before)


def test_check_in_is_not_open_on_other_days(client, line, link, today):
    cancelled = ActionDayFactory(dispute=line.dispute, date=today, kind="asos", cancelled=True)
    line.action_days.add(cancelled)
    not_on_the_line = ActionDayFactory(date=today)
    days = [day_of(line, today + DAY), day_of(line, today - 4 * DAY), cancelled, not_on_the_line]
    words = "Check-in isn't open for that day"
    for day in days:
        signup = PicketSignupFactory(picket_line=line, action_day=day, user=UserFactory())
        before = snapshot()
        assert_refused(tap(client, link, day, signup), words, before)
        assert_refused(client.post(url("walk_in", link, day), {"name": "Dee"}), words, before)
        assert_refused(client.post(url("done", link, day)), words, before)
    beyond = reverse("pickets_lead:done", args=[link.token, 10**20])  # no id is so large
    assert_refused(client.post(beyond), words, snapshot())


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("<script>alert(1)</script>", "can&#x27;t contain &lt; or &gt;"),
        ("x" * 10_000, "50 characters or fewer"),
        ("Ann\x00", "a character no name has"),
        ("www.example.org", "can&#x27;t contain a web address"),
        ("   ", "Write their first name"),
    ],
)
def test_a_hostile_name_is_refused_next_to_the_box(client, link, ticked, name, error):
    day, _ = ticked
    before = snapshot()
    response = client.post(url("walk_in", link, day), {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f'id="day{day.pk}_name_error"' in html
    assert "<script>alert(1)" not in html
    assert snapshot() == before


def test_posts_need_the_pages_csrf_token(link, ticked):
    day, signup = ticked
    client = Client(enforce_csrf_checks=True)
    before = snapshot()
    assert tap(client, link, day, signup).status_code == 403
    assert client.post(url("done", link, day)).status_code == 403
    assert snapshot() == before


def test_a_get_changes_nothing(client, link, ticked):
    day, _ = ticked
    assert client.get(url("done", link, day)).status_code == 405
    assert not PicketVisit.objects.exists()


# What the page costs, and what is kept ---------------------------------------------------------


@pytest.mark.parametrize("count", [2, 30])
def test_the_leaders_page_costs_the_same_however_many_signed_up(
    client, line, link, today, count, django_assert_num_queries
):
    for date in (today, today + DAY):
        day = day_of(line, date)
        for signup in PicketSignupFactory.create_batch(count, picket_line=line, action_day=day):
            signup.attended_at = timezone.now()
            signup.save()
    client.post(url("done", link, day_of(line, today)))
    # The link, its days, their sign-ups, the visits drafted from them.
    with django_assert_num_queries(4):
        response = client.get(url("lead", link))
    assert response.content.decode().count('aria-pressed="true"') == count


def test_walk_ins_go_with_the_other_sign_ups_90_days_after_the_day(line, link, today):
    long_ago = ActionDayFactory(dispute=line.dispute, date=today - 91 * DAY)
    line.action_days.add(long_ago)
    now = timezone.now()
    for day in (long_ago, day_of(line, today)):
        PicketSignup.objects.create(
            picket_line=line,
            action_day=day,
            source=SignupSource.WALK_IN,
            name="Dee",
            confirmed_at=now,
            attended_at=now,
        )
    assert signups_delete_old() == 1
    assert PicketSignup.objects.get().action_day.date == today


@pytest.mark.parametrize(
    ("names", "count", "said"),
    [
        ([], 1, "1 person"),
        ([], 4, "4 people"),
        (["Ann"], 1, "Ann"),
        (["Ann", "Bob"], 2, "Ann and Bob"),
        (["Ann", "Bob", "Cat"], 3, "Ann, Bob and Cat"),
        (["Ann"], 2, "Ann and 1 other"),
        (["Ann", "Bob"], 5, "Ann, Bob and 3 others"),
        ([f"M{i}" for i in range(20)], 20, ", ".join(f"M{i}" for i in range(12)) + " and 8 others"),
    ],
)
def test_the_drafted_report_names_members_and_counts_the_rest(names, count, said):
    assert people(names, count) == said
