"""A site admin sets up a CLP: from the command line, or an invitation from the Django admin,
either way its first TULO gets an emailed link."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from clps.models import CLP, Invitation, Membership, Role

from ..factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_create_clp_makes_the_clp_and_invites_its_tulo(capsys, client, outsider):
    call_command(
        "create_clp", "Hackney North", "--slug", "hackney-north", "--tulo", "p@example.org"
    )
    out = capsys.readouterr().out
    clp = CLP.objects.get(slug="hackney-north")
    assert clp.name == "Hackney North" and not clp.open_joining
    invitation = Invitation.objects.get(clp=clp)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "p@example.org",
        Role.TULO,
        None,
    )
    assert clp.outgoing_mail.get(kind="invitation").to == "p@example.org"
    link = re.search(r"https?://\S+(/invitations/[\w-]+/)", out)
    assert link, out
    assert link.group(0) in clp.outgoing_mail.get().text
    # The printed link works: whoever accepts is the new CLP's TULO.
    client.force_login(outsider)
    assert "The site admin invited you" in client.get(link.group(1)).content.decode()
    client.post(link.group(1))
    assert Membership.objects.get(clp=clp, user=outsider).role == Role.TULO


def test_the_slug_is_made_from_the_name_when_left_out(capsys):
    call_command("create_clp", "Bethnal Green & Stepney", "--tulo", "t@example.org")
    assert CLP.objects.get().slug == "bethnal-green-stepney"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["Somewhere else", "--slug", "hackney-north"], "slug “hackney-north” already exists"),
        (["Hackney North & Stoke Newington", "--slug", "hn2"], "named “Hackney North"),
        (["New CLP", "--slug", "not a slug"], "slug"),
    ],
)
def test_a_clash_or_a_bad_slug_is_a_clear_error_and_nothing_is_made(clp, args, says):
    with pytest.raises(CommandError, match=says):
        call_command("create_clp", *args, "--tulo", "t@example.org")
    assert list(CLP.objects.all()) == [clp]
    assert not Invitation.objects.exists()


def test_a_bad_address_is_a_clear_error(db):
    with pytest.raises(CommandError, match="valid email"):
        call_command("create_clp", "New CLP", "--tulo", "not-an-address")
    assert not CLP.objects.exists()


def test_the_site_admin_invites_from_the_django_admin(client, site_admin, clp):
    client.force_login(site_admin)
    response = client.post(
        reverse("admin:clps_invitation_add"),
        {"clp": clp.pk, "email": "first.tulo@example.org", "role": "tulo"},
        follow=True,
    )
    page = response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.invited_by) == (Role.TULO, site_admin)
    assert "Invitation emailed to first.tulo@example.org" in page and "/invitations/" in page
    assert clp.outgoing_mail.get(kind="invitation").to == "first.tulo@example.org"
    # Once is enough: a second invitation to the address is refused while the first works.
    again = client.post(
        reverse("admin:clps_invitation_add"),
        {"clp": clp.pk, "email": "FIRST.tulo@example.org", "role": "tulo"},
    )
    assert "already has an invitation" in again.content.decode()
    assert Invitation.objects.count() == 1


def test_the_site_admin_revokes_invitations_from_the_django_admin(client, site_admin, clp):
    invitation = InvitationFactory(clp=clp)
    client.force_login(site_admin)
    client.post(
        reverse("admin:clps_invitation_changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
