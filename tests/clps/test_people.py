import pytest
from django.urls import reverse

from clps.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_signed_in_user_joins_a_clp_with_open_joining_as_member(client, outsider, clp):
    clp.open_joining = True
    clp.save()
    client.force_login(outsider)
    response = client.post(reverse("clps:join", args=[clp.slug]))
    assert response.status_code == 302
    assert Membership.objects.get(user=outsider, clp=clp).role == Role.MEMBER
    # Joining again changes nothing, and never raises a role.
    client.post(reverse("clps:join", args=[clp.slug]))
    assert Membership.objects.filter(user=outsider).count() == 1


def test_joining_needs_a_post(client, outsider, clp):
    client.force_login(outsider)
    assert client.get(reverse("clps:join", args=[clp.slug])).status_code == 405
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_last_tulo_cannot_be_demoted(client, tulo, clp):
    client.force_login(tulo)
    own = Membership.objects.get(user=tulo, clp=clp)
    response = client.post(
        reverse("clps:membership_role", args=[clp.slug, own.pk]), {"role": Role.MEMBER}, follow=True
    )
    assert "needs at least one TULO" in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.TULO


def test_tulo_promotes_a_member_to_executive(client, tulo, member, clp):
    client.force_login(tulo)
    theirs = Membership.objects.get(user=member, clp=clp)
    client.post(reverse("clps:membership_role", args=[clp.slug, theirs.pk]), {"role": "executive"})
    theirs.refresh_from_db()
    assert theirs.role == Role.EXECUTIVE


def test_unknown_role_is_refused_with_a_message(client, tulo, member, clp):
    client.force_login(tulo)
    theirs = Membership.objects.get(user=member, clp=clp)
    response = client.post(
        reverse("clps:membership_role", args=[clp.slug, theirs.pk]), {"role": "admin"}, follow=True
    )
    assert "Choose one of the roles" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.role == Role.MEMBER


def test_districts_are_cleaned_and_saved(client, tulo, clp):
    client.force_login(tulo)
    client.post(reverse("clps:settings", args=[clp.slug]), {"districts": "n16, e5  E8,N16"})
    assert list(clp.districts.values_list("district", flat=True)) == ["E5", "E8", "N16"]


def test_a_bad_district_is_named_and_what_was_typed_is_kept(client, tulo, clp):
    client.force_login(tulo)
    response = client.post(
        reverse("clps:settings", args=[clp.slug]), {"districts": "N16, Hackney, E5"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "HACKNEY is not a postcode district" in page
    assert 'value="N16, Hackney, E5"' in page
    assert not clp.districts.exists()


def test_home_sends_a_tulo_with_one_clp_to_the_dashboard(client, tulo, clp):
    client.force_login(tulo)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("dashboard", args=[clp.slug])


def test_home_for_a_visitor_lists_clps(client, clp):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert clp.name.replace("&", "&amp;") in response.content.decode()
