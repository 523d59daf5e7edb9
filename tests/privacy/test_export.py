"""A copy of everything held about a person: for a site admin, the whole site; for a TULO, their
own CLP's records and never another's; for a signed-in person, their own."""

import json

import pytest
from django.urls import reverse

from clps.models import AuditAction, AuditEvent
from newsletters.services import subscribe

from .conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db


def download(response) -> dict:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_a_site_admin_downloads_everything_about_a_person(client, person, site_admin):
    client.force_login(site_admin)
    data = download(
        client.post(reverse("privacy:site_requests"), {"email": EMAIL.lower(), "action": "export"})
    )
    assert data["account"]["email"] == EMAIL
    assert data["account"]["name"] == NAME
    assert [a["type"] for a in data["account"]["two_factor_sign_in"]] == ["TOTP Authenticator"]
    assert [m["clp"] for m in data["memberships"]] == ["Hackney North & Stoke Newington"]
    assert sorted(s["clp"] for s in data["subscriptions"]) == [
        "Hackney North & Stoke Newington",
        "Hackney South & Shoreditch",
    ]
    first = next(s for s in data["subscriptions"] if s["clp"].startswith("Hackney North"))
    assert first["consent"]["how"] == "web form"
    assert first["consent"]["wording"].startswith("Email me the weekly")
    assert first["postcode"] == "N16 7AA"
    assert [d["email_for_week_of"] for d in first["emails_sent"]] == ["2026-11-16"]
    assert len(data["picket_signups"]) == 1
    [given] = data["picket_signups_by_name_and_email"]
    assert (given["name"], given["email"], given["from"]) == (
        NAME,
        EMAIL.lower(),
        "From the weekly email",
    )
    [visit] = data["picket_visits"]
    assert visit["your_part"] == ["reported it", "named among the members who went"]
    assert visit["members_who_went"] == 3
    assert len(data["photos_you_uploaded"]) == 1
    assert data["solidarity_records_you_made"][0]["amount_pence"] == 135_000
    assert data["named_as_elected_representative"][0]["office"] == "Councillor"
    edits = {(e["record"], e["change"]) for e in data["edit_history"]}
    assert {("dispute", "changed"), ("ballot", "changed"), ("branch", "added")} <= edits
    assert ("picket visit", "added") in edits
    assert data["do_not_email_list"] == []
    mentioned = {m["record"] for m in data["mentioned_in_text"]}
    assert {"branch", "lead link", "log entry", "picket visit"} <= mentioned
    # Who else went on the visit is theirs, not hers.
    assert "member@example.org" not in json.dumps(data)
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSON_EXPORTED, actor=site_admin, clp=None
    ).exists()


def test_a_tulo_downloads_only_what_their_own_clp_holds(client, person, clp, tulo):
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    data = download(client.post(url, {"email": EMAIL, "action": "export"}))
    assert data["about_this_copy"]["scope"] == "what Hackney North & Stoke Newington holds"
    assert [s["clp"] for s in data["subscriptions"]] == ["Hackney North & Stoke Newington"]
    assert [m["clp"] for m in data["memberships"]] == ["Hackney North & Stoke Newington"]
    assert len(data["picket_signups_by_name_and_email"]) == 1
    # Shared records' history and the site's other tables are not the CLP's to give.
    assert {e["record"] for e in data["edit_history"]} == {"picket visit", "solidarity action"}
    assert "mentioned_in_text" not in data
    assert "two_factor_sign_in" not in data["account"]
    assert "Shoreditch" not in json.dumps(data)


def test_another_clps_tulo_gets_nothing_about_someone_only_this_clp_holds(
    client, person, other_clp, other_tulo
):
    from newsletters.models import Subscriber

    Subscriber.objects.filter(clp=other_clp).delete()
    client.force_login(other_tulo)
    url = reverse("privacy:clp_requests", args=[other_clp.slug])
    response = client.post(url, {"email": EMAIL, "action": "export"})
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert b"holds nothing under that address" in response.content


def test_a_tulo_finds_a_subscriber_who_has_no_account(client, clp, tulo):
    subscribe(clp=clp, email="Ada@Example.org", name="Ada Lovelace", postcode="E5 0AA")
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    data = download(client.post(url, {"email": "ada@example.org", "action": "export"}))
    assert data["account"] is None
    assert data["subscriptions"][0]["name"] == "Ada Lovelace"
    assert data["subscriptions"][0]["status"] == "Waiting for confirmation"


def test_a_signed_in_person_downloads_their_own_data(client, person, other_tulo):
    client.force_login(person.user)
    page = client.get(reverse("privacy:my_data"))
    assert b"Download my data" in page.content
    data = download(client.post(reverse("privacy:my_data")))
    assert data["account"]["email"] == EMAIL
    assert len(data["subscriptions"]) == 2
    assert data["about_this_copy"]["scope"] == "the whole site"


def test_your_data_needs_signing_in(client):
    response = client.get(reverse("privacy:my_data"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_requests_pages_are_for_the_tulo_and_site_admins_only(
    client, clp, executive, member, outsider, other_tulo, tulo_without_mfa
):
    clp_url = reverse("privacy:clp_requests", args=[clp.slug])
    site_url = reverse("privacy:site_requests")
    for who in (executive, member, outsider, other_tulo):
        client.force_login(who)
        assert client.get(clp_url).status_code == 403
        assert client.post(clp_url, {"email": EMAIL, "action": "export"}).status_code == 403
        assert client.get(site_url).status_code == 403
    client.force_login(tulo_without_mfa)
    assert client.get(clp_url)["Location"] == reverse("mfa_activate_totp")
    client.logout()
    assert client.get(clp_url).status_code == 302
    assert client.get(site_url).status_code == 302


def test_a_site_admin_without_two_factor_is_sent_to_set_it_up(client, db):
    from ..factories import UserFactory

    admin = UserFactory(is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("privacy:site_requests"))
    assert response["Location"] == reverse("mfa_activate_totp")
