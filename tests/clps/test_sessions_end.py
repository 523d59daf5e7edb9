"""A session ends when its user signs out, and every session of a user ends when the account is
made inactive: the browser's old session cookie opens nothing afterwards."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from clps import services
from clps.models import User

from ..factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def browser_signed_in_as(user) -> Client:
    """A browser that signed in through the real form."""
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def with_cookie(session_key: str) -> Client:
    """A browser presenting this session cookie, as one kept or copied would."""
    browser = Client()
    browser.cookies["sessionid"] = session_key
    return browser


def opens_members_page(browser: Client, clp) -> bool:
    response = browser.get(reverse("pickets:visit_create", args=[clp.slug]))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))
    return response.status_code == 200


def test_signing_out_ends_the_session(clp, member):
    browser = browser_signed_in_as(member)
    key = browser.cookies["sessionid"].value
    old_cookie = with_cookie(key)
    assert opens_members_page(old_cookie, clp)

    assert browser.post(reverse("account_logout")).status_code == 302

    assert not Session.objects.filter(session_key=key).exists()
    assert not opens_members_page(old_cookie, clp)


def test_deactivating_a_user_ends_every_session_they_have(clp, member):
    phone, laptop = browser_signed_in_as(member), browser_signed_in_as(member)
    keys = [phone.cookies["sessionid"].value, laptop.cookies["sessionid"].value]
    others = browser_signed_in_as(MembershipFactory(clp=clp).user)
    assert all(opens_members_page(b, clp) for b in (phone, laptop, others))

    services.user_deactivate(user=member)

    member.refresh_from_db()
    assert not member.is_active
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=member).exists()
    assert not opens_members_page(phone, clp)
    assert not opens_members_page(laptop, clp)
    # Made active again, the old cookies still open nothing: the sessions are gone, not paused.
    User.objects.filter(pk=member.pk).update(is_active=True)
    assert not opens_members_page(with_cookie(keys[0]), clp)
    assert not opens_members_page(with_cookie(keys[1]), clp)
    # Nobody else was signed out.
    assert opens_members_page(others, clp)


def test_a_site_admin_making_a_user_inactive_ends_their_sessions(clp, member, site_admin, client):
    member_browser = browser_signed_in_as(member)
    key = member_browser.cookies["sessionid"].value
    assert opens_members_page(member_browser, clp)

    client.force_login(site_admin)
    url = reverse("admin:clps_user_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    data = {
        "email": member.email,
        "name": member.name,
        "date_joined_0": form.initial["date_joined"].strftime("%d/%m/%Y"),
        "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        # is_active left unticked
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    member.refresh_from_db()
    assert not member.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert not opens_members_page(member_browser, clp)


def test_other_changes_in_the_admin_leave_sessions_alone(clp, member, site_admin, client):
    member_browser = browser_signed_in_as(member)
    client.force_login(site_admin)
    url = reverse("admin:clps_user_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    data = {
        "email": member.email,
        "name": "Sam Whitfield-Jones",
        "is_active": "on",
        "date_joined_0": form.initial["date_joined"].strftime("%d/%m/%Y"),
        "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
    }
    assert client.post(url, data).status_code == 302
    assert User.objects.get(pk=member.pk).name == "Sam Whitfield-Jones"
    assert opens_members_page(member_browser, clp)
