"""TULOs and executives set up two-factor sign-in before any page of their CLP opens; members
are not asked to."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clps.models import Role

from ..conftest import enable_totp
from ..factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

MFA_SETUP = "/accounts/2fa/totp/activate/"


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def clp_paths(slug: str) -> list[str]:
    """Every URL under /c/<clp>/, with made-up ids: the access check runs before any lookup."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if not route.startswith("c/<slug:clp_slug>/"):
            continue
        path = route.replace("<slug:clp_slug>", slug)
        path = re.sub(r"<int:\w+>", "999999", path)
        path = re.sub(r"<(str:)?\w+>", "disputes", path)
        paths.append("/" + path)
    return sorted(set(paths))


@pytest.fixture
def signed_in_pages(client, clp):
    """The CLP's pages that send an anonymous visitor to sign in (but joining, which is for
    anyone signed in and needs no role)."""
    pages = []
    for path in clp_paths(clp.slug):
        if path == reverse("clps:join", args=[clp.slug]):
            continue
        response = client.get(path)
        if response.status_code == 302 and response["Location"].startswith(
            reverse("account_login")
        ):
            pages.append(path)
    assert reverse("dashboard", args=[clp.slug]) in pages
    assert reverse("pickets:report", args=[clp.slug]) in pages
    assert len(pages) > 30
    return pages


def without_mfa(clp, role):
    return MembershipFactory(clp=clp, role=role, user__email=f"{role}.no2fa@example.org").user


@pytest.mark.parametrize("role", [Role.TULO, Role.EXECUTIVE])
def test_tulo_and_executive_set_up_two_factor_before_any_page_of_their_clp(
    client, clp, role, signed_in_pages
):
    user = without_mfa(clp, role)
    client.force_login(user)
    sent_to_set_up = []
    for path in signed_in_pages:
        response = client.get(path)
        # A page the role may not open stays refused; every other one waits for two-factor.
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert response["Location"] == MFA_SETUP, path
            sent_to_set_up.append(path)
    if role == Role.TULO:
        assert sent_to_set_up == signed_in_pages
    else:
        assert reverse("pickets:report", args=[clp.slug]) in sent_to_set_up

    # Once set up, the same pages open.
    enable_totp(user)
    opened = [path for path in sent_to_set_up if client.get(path).status_code != 302]
    assert reverse("pickets:report", args=[clp.slug]) in opened


def test_the_tulo_is_told_why_and_what_to_do(client, clp, tulo_without_mfa):
    response = client.post(
        reverse("account_login"), {"login": tulo_without_mfa.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(reverse("dashboard", args=[clp.slug]), follow=True)
    assert response.redirect_chain[0] == (MFA_SETUP, 302)
    page = response.content.decode()
    assert "As TULO of Hackney North &amp; Stoke Newington you need two-factor sign-in" in page
    assert "Set up an authenticator app here (after your password, if asked for it)" in page
    # Setting up two-factor asks for the password once more, then shows the authenticator setup.
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1] == (MFA_SETUP, 302)
    assert b"Authenticator secret" in response.content


def test_a_member_is_not_asked_for_two_factor(client, clp, member, signed_in_pages):
    client.force_login(member)
    statuses = {path: client.get(path) for path in signed_in_pages}
    assert not [p for p, r in statuses.items() if r.get("Location") == MFA_SETUP]
    assert statuses[reverse("pickets:visit_create", args=[clp.slug])].status_code == 200


def test_mfa_of_one_clp_role_does_not_depend_on_another_clp(client, clp, other_clp):
    """Two-factor is asked of a TULO for their own CLP; as a member elsewhere they are not."""
    user = without_mfa(clp, Role.TULO)
    MembershipFactory(clp=other_clp, user=user, role=Role.MEMBER)
    client.force_login(user)
    assert client.get(reverse("pickets:visit_create", args=[other_clp.slug])).status_code == 200
    assert client.get(reverse("dashboard", args=[clp.slug]))["Location"] == MFA_SETUP


def test_public_pages_stay_open_to_a_tulo_without_two_factor(client, clp, tulo_without_mfa):
    client.force_login(tulo_without_mfa)
    assert client.get(reverse("pickets_public:calendar", args=[clp.slug])).status_code == 200
    assert client.get(reverse("clps:home", args=[clp.slug])).status_code == 200


def test_site_admin_without_two_factor_cannot_open_any_admin_page(client, site_admin):
    site_admin.authenticator_set.all().delete()
    client.force_login(site_admin)
    for name in ["admin:index", "admin:clps_user_changelist", "admin:clps_clp_add"]:
        response = client.get(reverse(name), follow=True)
        assert (MFA_SETUP, 302) in response.redirect_chain, name
        assert b"Set up an authenticator app first" in response.content
