"""Every CLP page checked with every member of the cast: who gets in, who is refused."""

import pytest
from django.urls import reverse

from clps.models import Membership, Role

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "member", "executive", "other_tulo", "tulo"]

# (url name, method, {role: expected status}); 302 for anonymous means "sent to log in".
PAGES = [
    ("clps:home", "get", dict.fromkeys(CAST, 200)),
    ("dashboard", "get", {**dict.fromkeys(CAST, 403), "anonymous": 302, "tulo": 200}),
    ("clps:people", "get", {**dict.fromkeys(CAST, 403), "anonymous": 302, "tulo": 200}),
    ("clps:settings", "get", {**dict.fromkeys(CAST, 403), "anonymous": 302, "tulo": 200}),
]


def login_as(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize(("name", "method", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_clp_pages_by_role(client, request, clp, role, name, method, expected):
    login_as(client, request, role)
    response = getattr(client, method)(reverse(name, args=[clp.slug]))
    assert response.status_code == expected[role]
    if role == "anonymous" and expected[role] == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize("action", ["membership_role", "membership_remove"])
def test_only_the_tulo_changes_people(client, request, clp, member, role, action):
    login_as(client, request, role)
    membership = Membership.objects.get(user=member, clp=clp)
    response = client.post(
        reverse(f"clps:{action}", args=[clp.slug, membership.pk]), {"role": Role.EXECUTIVE}
    )
    changed = not Membership.objects.filter(pk=membership.pk, role=Role.MEMBER).exists()
    if role == "tulo":
        assert response.status_code == 302
        assert changed
    else:
        assert response.status_code in (302, 403)
        assert not changed


def test_tulo_cannot_reach_another_clps_membership_by_id(client, tulo, clp, other_tulo, other_clp):
    client.force_login(tulo)
    theirs = Membership.objects.get(user=other_tulo)
    response = client.post(
        reverse("clps:membership_remove", args=[clp.slug, theirs.pk]),
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_tulo_pages_need_two_factor_sign_in(client, tulo_without_mfa, clp):
    client.force_login(tulo_without_mfa)
    for name in ["clps:people", "dashboard"]:
        response = client.get(reverse(name, args=[clp.slug]))
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_people_page_lists_members_of_this_clp_only(client, tulo, member, other_tulo, clp):
    client.force_login(tulo)
    page = client.get(reverse("clps:people", args=[clp.slug])).content.decode()
    assert member.email in page
    assert other_tulo.email not in page


def test_unknown_clp_is_404(client, tulo):
    client.force_login(tulo)
    assert client.get(reverse("dashboard", args=["no-such-clp"])).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "tulo"])
def test_django_admin_is_for_site_admins_with_two_factor(client, request, role):
    login_as(client, request, role)
    response = client.get(reverse("admin:index"), follow=True)
    assert b"Site administration" not in response.content


def test_site_admin_with_two_factor_opens_the_admin(client, site_admin):
    client.force_login(site_admin)
    assert b"Site administration" in client.get(reverse("admin:index")).content


def test_site_admin_without_two_factor_is_sent_to_set_it_up(client, site_admin):
    site_admin.authenticator_set.all().delete()
    client.force_login(site_admin)
    response = client.get(reverse("admin:index"), follow=True)
    visited = [url for url, _ in response.redirect_chain]
    assert reverse("mfa_activate_totp") in visited
    assert b"Site administration" not in response.content
