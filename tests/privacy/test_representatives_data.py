"""An elected representative's data: found by their contact email, in the copy with the
invitations they were sent and their answers, and on erasure their address and name go while
what they did in public office stays counted."""

import json

import pytest
from django.urls import reverse

from pickets.models import Representative, RepresentativeAttendance
from privacy.erasure import person_erase

from ..factories import (
    PicketInvitationFactory,
    PicketLineFactory,
    PicketVisitFactory,
    RepresentativeAttendanceFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def councillor(clp):
    rep = RepresentativeFactory(clp=clp, name="Ali Khan", email="Ali.Khan@example.org")
    PicketInvitationFactory(
        picket_line=PicketLineFactory(clp=clp), representative=rep, body="Dear Ali, come along."
    )
    visit = PicketVisitFactory(clp=clp)
    RepresentativeAttendanceFactory(visit=visit, representative=rep, name="Ali Khan")
    return rep


def test_the_tulo_s_copy_has_the_record_and_the_invitations(client, clp, tulo, councillor):
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    response = client.post(url, {"email": "ali.khan@example.org", "action": "export"})
    assert response.status_code == 200
    (copy,) = json.loads(response.content)["as_elected_representative"]
    assert copy["name"] == "Ali Khan" and copy["office"] == "Councillor"
    assert copy["contact_email"] == "Ali.Khan@example.org"
    (invitation,) = copy["invitations"]
    assert invitation["text"] == "Dear Ali, come along."
    assert invitation["answer"] == ""


def test_another_clp_s_tulo_finds_nothing(client, other_clp, other_tulo, councillor):
    client.force_login(other_tulo)
    url = reverse("privacy:clp_requests", args=[other_clp.slug])
    response = client.post(url, {"email": "ali.khan@example.org", "action": "export"})
    assert b"Ali Khan" not in response.content


def test_erasure_removes_the_address_and_the_name_and_keeps_the_counts(site_admin, clp, councillor):
    result = person_erase(email="ali.khan@example.org", by=site_admin)
    assert result.erased == {"elected representatives' contact emails": 1}
    rep = Representative.objects.get()
    assert rep.email == ""
    assert "Ali" not in rep.name
    # Their visit still counts, as one representative's.
    attendance = RepresentativeAttendance.objects.get()
    assert attendance.representative == rep and "Ali" not in attendance.name
