"""The privacy notice: public, naming the CLP as controller, the lawful bases, and the retention
periods the jobs apply, linked from every page's footer and from the subscribe form."""

import datetime
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_clps_notice_names_it_as_controller_and_gives_the_law_and_periods(client, clp):
    page = text(client.get(reverse("privacy:clp_notice", args=[clp.slug])))
    assert "Hackney North &amp; Stoke Newington CLP is the controller" in page
    assert "Article 6(1)(a)" in page and "Article 9(2)(a)" in page and "Article 9(2)(d)" in page
    assert "deleted 30 days after the last time it was asked for" in page
    assert "Picket-line sign-ups: deleted 90 days after the strike day" in page
    assert "at most 14 days after you last signed in" in page
    assert "ico.org.uk" in page


def test_the_notice_shows_the_periods_the_jobs_use(client, clp, monkeypatch):
    from pickets import personal_data

    monkeypatch.setattr(personal_data, "SIGNUP_RETENTION", datetime.timedelta(days=60))
    page = text(client.get(reverse("privacy:clp_notice", args=[clp.slug])))
    assert "Picket-line sign-ups: deleted 60 days after the strike day" in page


def test_the_site_notice_lists_each_clp_as_controller_of_its_own(client, clp, other_clp):
    page = text(client.get(reverse("privacy:notice")))
    assert "Each CLP is the controller" in page
    assert "Hackney North" in page and "Hackney South" in page


def test_every_page_links_to_the_notice_and_the_subscribe_form_to_the_clps(client, clp, tulo):
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("privacy:notice")}">Privacy notice' in home
    subscribe = client.get(reverse("newsletters_public:subscribe", args=[clp.slug]))
    assert reverse("privacy:clp_notice", args=[clp.slug]) in subscribe.content.decode()
    client.force_login(tulo)
    dashboard = client.get(reverse("dashboard", args=[clp.slug])).content.decode()
    assert f'href="{reverse("privacy:clp_notice", args=[clp.slug])}">Privacy notice' in dashboard
    assert reverse("privacy:audit_log", args=[clp.slug]) in dashboard
    assert reverse("privacy:my_data") in dashboard
