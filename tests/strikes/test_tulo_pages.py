"""The TULO's dispute pages: who may open them, what the forms refuse, and what they save."""

import datetime

import pytest
from django.urls import reverse

from strikes.models import ActionDay, Ballot, Dispute, FollowedDispute, Union

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DisputeFactory,
    EmployerFactory,
    UnionFactory,
)

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "member", "executive", "other_tulo", "tulo"]


@pytest.fixture
def dispute():
    return DisputeFactory(title="Royal Mail delivery office")


def url_cases(clp, dispute):
    ballot = BallotFactory(dispute=dispute)
    day = ActionDayFactory(dispute=dispute, date=datetime.date(2026, 12, 3))
    slug, pk = clp.slug, dispute.pk
    union = dispute.unions.first()
    return [
        reverse("strikes:dispute_list", args=[slug]),
        reverse("strikes:dispute_create", args=[slug]),
        reverse("strikes:dispute_detail", args=[slug, pk]),
        reverse("strikes:dispute_edit", args=[slug, pk]),
        reverse("strikes:ballot_create", args=[slug, pk]),
        reverse("strikes:ballot_edit", args=[slug, pk, ballot.pk]),
        reverse("strikes:action_day_create", args=[slug, pk]),
        reverse("strikes:action_day_edit", args=[slug, pk, day.pk]),
        reverse("strikes:action_days_range", args=[slug, pk]),
        reverse("strikes:records", args=[slug]),
        reverse("strikes:record_create", args=[slug, "unions"]),
        reverse("strikes:record_edit", args=[slug, "unions", union.pk]),
        reverse("dashboard", args=[slug]),
    ]


@pytest.mark.parametrize("role", CAST)
def test_tulo_pages_open_only_for_this_clps_tulo(client, request, clp, dispute, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for url in url_cases(clp, dispute):
        response = client.get(url)
        expected = {"anonymous": 302, "tulo": 200}.get(role, 403)
        assert response.status_code == expected, url


@pytest.mark.parametrize("role", ["anonymous", "member", "executive", "other_tulo"])
def test_nobody_else_can_follow_or_edit(client, request, clp, dispute, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    client.post(reverse("strikes:dispute_follow", args=[clp.slug, dispute.pk]), {"follow": "1"})
    client.post(
        reverse("strikes:dispute_edit", args=[clp.slug, dispute.pk]),
        {"title": "Hijacked", "unions": [dispute.unions.first().pk]},
    )
    assert not FollowedDispute.objects.filter(clp=clp).exists()
    dispute.refresh_from_db()
    assert dispute.title == "Royal Mail delivery office"


def test_tulo_adds_a_dispute_with_a_new_employer(client, tulo, clp):
    cwu = UnionFactory(short_name="CWU")
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:dispute_create", args=[clp.slug]),
        {
            "title": "Delivery office cuts",
            "unions": [cwu.pk],
            "new_employer": "Royal Mail Group",
            "issues": ["jobs", "conditions"],
            "workers": "postal workers at Royal Mail's Stoke Newington delivery office",
            "about": "job cuts",
            "status": "balloting",
            "sources": "https://www.cwu.org/news/\n\n",
        },
    )
    dispute = Dispute.objects.get(title="Delivery office cuts")
    assert dispute.workers == "postal workers at Royal Mail's Stoke Newington delivery office"
    assert dispute.about == "job cuts"
    assert response["Location"] == reverse("strikes:dispute_detail", args=[clp.slug, dispute.pk])
    assert dispute.employer.name == "Royal Mail Group"
    assert dispute.issues == ["jobs", "conditions"]
    # A dispute the TULO adds is followed by their CLP, and the history records who added it.
    assert FollowedDispute.objects.filter(clp=clp, dispute=dispute).exists()
    assert {h.history_user for h in dispute.history.all()} == {tulo}


def test_dispute_form_asks_who_is_in_dispute_and_what_over_in_a_papers_words(client, tulo, clp):
    client.force_login(tulo)
    page = client.get(reverse("strikes:dispute_create", args=[clp.slug])).content.decode()
    assert "Who is in dispute" in page and "What it is over" in page
    assert "As a local paper would put it after the union's name, in the plural" in page
    assert "To follow “a dispute over”" in page


def test_dispute_form_errors_say_what_to_fix_and_keep_the_input(client, tulo, clp):
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:dispute_create", args=[clp.slug]),
        {"title": "Cleaners' pay", "unions": ["99999"], "status": "won", "sources": "not a link"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page or "not one of the available choices" in page
    assert "Choose the employer, or type a new one below." in page
    assert "Line 1 is not a web address" in page
    assert "Say briefly what was won" in page
    assert 'value="Cleaners&#x27; pay"' in page
    assert not Dispute.objects.exists()


def ballot_data(union_, **overrides):
    data = {
        "union": union_.pk,
        "kind": "statutory",
        "jurisdiction": "GB",
        "method": "postal",
        "opens_on": "2026-10-01",
        "closes_on": "2026-10-22",
        "entitled_to_vote": "1000",
        "votes_cast": "720",
        "yes_votes": "655",
        "no_votes": "60",
        "spoilt": "5",
        "result_announced_on": "2026-10-23",
    }
    data.update(overrides)
    return data


def test_ballot_result_shows_thresholds_rule_set_and_mandate(client, tulo, clp, dispute):
    client.force_login(tulo)
    union = dispute.unions.first()
    client.post(reverse("strikes:ballot_create", args=[clp.slug, dispute.pk]), ballot_data(union))
    assert Ballot.objects.get().votes_cast == 720
    page = client.get(
        reverse("strikes:dispute_detail", args=[clp.slug, dispute.pk])
    ).content.decode()
    assert "72%" in page
    assert "Great Britain: Employment Rights Act 2025" in page
    assert "Mandate for industrial action" in page
    assert "21 October 2027" in page  # 12 months beginning with 22 October 2026


def test_ballot_that_missed_says_no_mandate(client, tulo, clp, dispute):
    client.force_login(tulo)
    union = dispute.unions.first()
    client.post(
        reverse("strikes:ballot_create", args=[clp.slug, dispute.pk]),
        ballot_data(union, votes_cast="440", yes_votes="387", no_votes="53", spoilt="0"),
    )
    page = client.get(
        reverse("strikes:dispute_detail", args=[clp.slug, dispute.pk])
    ).content.decode()
    assert "44%" in page
    assert "not met" in page
    assert "No mandate results" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_on": "2026-09-30"}, "The ballot closes before it opens"),
        ({"votes_cast": "1200"}, "Turnout (1,200) is more than the number balloted (1,000)"),
        ({"yes_votes": "700", "no_votes": "60"}, "more than the 720 who voted"),
        ({"no_votes": ""}, "Give both the yes and the no votes"),
        ({"result_announced_on": "2026-10-01"}, "cannot be announced before the ballot closes"),
        ({"union": "99999"}, "That union is not on the list"),
        ({"entitled_to_vote": "-5"}, "greater than or equal to 0"),
        ({"opens_on": "31/02/2026"}, "Enter a valid date"),
    ],
)
def test_ballot_form_refuses_bad_numbers_and_dates(client, tulo, clp, dispute, overrides, message):
    client.force_login(tulo)
    data = ballot_data(dispute.unions.first(), **overrides)
    response = client.post(reverse("strikes:ballot_create", args=[clp.slug, dispute.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Ballot.objects.exists()


def test_action_day_end_before_start_is_refused(client, tulo, clp, dispute):
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:action_day_create", args=[clp.slug, dispute.pk]),
        {"date": "2026-12-03", "kind": "strike", "start_time": "10:00", "end_time": "07:00"},
    )
    assert "The end time is before the start time." in response.content.decode()
    assert not ActionDay.objects.exists()


def test_quick_add_of_weekdays_in_a_range_skips_existing_days(client, tulo, clp, dispute):
    ActionDayFactory(dispute=dispute, date=datetime.date(2026, 12, 1))
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:action_days_range", args=[clp.slug, dispute.pk]),
        {
            "first_day": "2026-11-30",
            "last_day": "2026-12-13",
            "weekdays": ["0", "1", "2", "3", "4"],
            "kind": "strike",
            "start_time": "07:00",
            "end_time": "10:00",
        },
        follow=True,
    )
    assert "Added 9 action days. 1 already existed" in response.content.decode()
    dates = list(ActionDay.objects.filter(dispute=dispute).values_list("date", flat=True))
    assert len(dates) == 10
    assert all(d.weekday() < 5 for d in dates)


def test_quick_add_refuses_a_backwards_range(client, tulo, clp, dispute):
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:action_days_range", args=[clp.slug, dispute.pk]),
        {"first_day": "2026-12-13", "last_day": "2026-12-01", "weekdays": ["0"], "kind": "strike"},
    )
    assert "The last day is before the first day" in response.content.decode()
    assert not ActionDay.objects.exists()


def test_follow_and_unfollow_with_htmx(client, tulo, clp, dispute):
    client.force_login(tulo)
    url = reverse("strikes:dispute_follow", args=[clp.slug, dispute.pk])
    response = client.post(url, {"follow": "1"}, HTTP_HX_REQUEST="true")
    assert "Stop following" in response.content.decode()
    assert FollowedDispute.objects.filter(clp=clp, dispute=dispute).exists()
    client.post(url, {"follow": "0"}, HTTP_HX_REQUEST="true")
    assert not FollowedDispute.objects.filter(clp=clp, dispute=dispute).exists()


def test_workplace_postcode_sets_its_district_and_makes_disputes_local(client, tulo, clp, dispute):
    clp.districts.create(district="N16")
    employer = EmployerFactory()
    client.force_login(tulo)
    client.post(
        reverse("strikes:record_create", args=[clp.slug, "workplaces"]),
        {"employer": employer.pk, "name": "Delivery office", "postcode": "n16 0aa"},
    )
    workplace = employer.workplaces.get()
    assert (workplace.postcode, workplace.postcode_district) == ("N16 0AA", "N16")
    dispute.workplaces.add(workplace)
    page = client.get(reverse("strikes:dispute_list", args=[clp.slug]) + "?scope=local")
    assert dispute.title in page.content.decode()


def test_bad_postcode_is_refused(client, tulo, clp):
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:record_create", args=[clp.slug, "workplaces"]),
        {"employer": EmployerFactory().pk, "name": "Depot", "postcode": "HACKNEY"},
    )
    assert "That is not a UK postcode" in response.content.decode()


def test_duplicate_union_short_name_is_refused(client, tulo, clp):
    UnionFactory(short_name="CWU")
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:record_create", args=[clp.slug, "unions"]),
        {"name": "Another", "short_name": "cwu"},
    )
    assert "There is already a union called cwu" in response.content.decode()
    assert Union.objects.count() == 1


def test_record_form_next_cannot_leave_the_site(client, tulo, clp):
    client.force_login(tulo)
    response = client.post(
        reverse("strikes:record_create", args=[clp.slug, "employers"])
        + "?next=https://evil.example/",
        {"name": "Royal Mail Group"},
    )
    assert response["Location"] == reverse("strikes:records", args=[clp.slug])


def test_dispute_list_filters(client, tulo, clp):
    national = DisputeFactory(title="National pay", is_national=True)
    won = DisputeFactory(title="Cleaners won", status="won")
    client.force_login(tulo)
    url = reverse("strikes:dispute_list", args=[clp.slug])
    page = client.get(url + "?scope=national").content.decode()
    assert national.title in page and won.title not in page
    page = client.get(url + "?status=live").content.decode()
    assert national.title in page and won.title not in page
    page = client.get(url + "?q=cleaners").content.decode()
    assert won.title in page and national.title not in page
    page = client.get(url + f"?union={won.unions.first().pk}").content.decode()
    assert won.title in page and national.title not in page


def test_dispute_list_pages_without_losing_or_repeating_rows(client, tulo, clp):
    titles = {DisputeFactory().title for _ in range(30)}
    client.force_login(tulo)
    url = reverse("strikes:dispute_list", args=[clp.slug])
    first = client.get(url)
    seen = [d.title for d in first.context["page"].rows]
    second = client.get(url + f"?after={first.context['page'].next_cursor}")
    seen += [d.title for d in second.context["page"].rows]
    assert second.context["page"].next_cursor is None
    assert len(seen) == 30 and set(seen) == titles
    # A tampered cursor starts again from the top instead of failing.
    assert client.get(url + "?after=%%%garbage").status_code == 200
