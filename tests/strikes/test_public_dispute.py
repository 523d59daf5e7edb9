"""The public dispute page and the iCalendar feeds' addresses: no login needed."""

import datetime

import pytest
from django.urls import reverse

from .helpers import add_day, days_from_today, public_disputes

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputes(clp, other_clp):
    return public_disputes(clp, other_clp)


def test_urls_are_where_members_expect_them(clp):
    assert reverse("strikes_public:clp_ics", args=[clp.slug]) == "/c/hackney-north/calendar.ics"
    assert reverse("strikes_public:dispute", args=[7]) == "/disputes/7/"
    assert reverse("strikes_public:dispute_ics", args=[7]) == "/disputes/7/calendar.ics"


def test_anonymous_visitor_needs_no_login(client, clp, disputes):
    for url in (
        reverse("strikes_public:clp_ics", args=[clp.slug]),
        reverse("strikes_public:dispute", args=[disputes["local"].pk]),
        reverse("strikes_public:dispute_ics", args=[disputes["local"].pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_unknown_clp_or_dispute_is_not_found(client, db):
    for url in (
        "/c/no-such-clp/calendar.ics",
        "/disputes/999999/",
        "/disputes/999999/calendar.ics",
    ):
        assert client.get(url).status_code == 404, url


def test_public_dispute_page_tells_the_story(client, disputes):
    dispute = disputes["local"]
    dispute.demands = "Reverse the cuts to delivery rounds."
    dispute.issues = ["pay", "jobs"]
    dispute.hardship_fund_name = "CWU London hardship fund"
    dispute.hardship_fund_url = "https://example.org/fund"
    dispute.sources = "https://www.cwu.org/news/\nBranch bulletin, March"
    dispute.save()
    add_day(dispute, days_from_today(5), start=datetime.time(7), end=datetime.time(10))
    add_day(dispute, days_from_today(6), cancelled=True)
    add_day(dispute, days_from_today(-20), note="The first strike")

    response = client.get(reverse("strikes_public:dispute", args=[dispute.pk]))

    html = response.content.decode()
    assert "<h1>Stoke Newington delivery office</h1>" in html
    assert "Communication Workers Union (CWU)" in html
    assert "Royal Mail" in html
    assert "Taking action" in html
    assert "Pay" in html and "Jobs" in html
    assert "Reverse the cuts to delivery rounds." in html
    assert 'href="https://example.org/fund"' in html
    assert "Give to the CWU London hardship fund" in html
    assert '<a href="https://www.cwu.org/news/" rel="noopener">' in html
    assert "<li>Branch bulletin, March</li>" in html
    assert "7am to 10am" in html
    assert '<strong class="badge cancelled">Cancelled</strong>' in html
    assert "Past action" in html and "The first strike" in html
    assert f"webcal://testserver/disputes/{dispute.pk}/calendar.ics" in html


def test_public_dispute_page_does_not_link_a_source_that_is_not_a_web_address(client, disputes):
    dispute = disputes["local"]
    dispute.sources = "javascript:alert(1)"
    dispute.save()
    html = client.get(reverse("strikes_public:dispute", args=[dispute.pk])).content.decode()
    assert 'href="javascript' not in html
    assert "<li>javascript:alert(1)</li>" in html


DISPUTE_PAGE_QUERIES = 4  # dispute (with employer), unions, upcoming days, past days


@pytest.mark.parametrize("size", [3, 30])
def test_dispute_page_query_count_does_not_grow(client, disputes, size, django_assert_num_queries):
    dispute = disputes["local"]
    for n in range(size):
        add_day(dispute, days_from_today(n))
        add_day(dispute, days_from_today(-n - 1))
    with django_assert_num_queries(DISPUTE_PAGE_QUERIES):
        response = client.get(reverse("strikes_public:dispute", args=[dispute.pk]))
    context = response.context
    assert sum(len(run) for run in context["upcoming"]) + context["later_days"] == size
    assert context["past_days"] == size
