"""The CLP's elected representatives: the TULO's list, visits that name them by their record or
by a typed name and office that agree with one, and what came of their invitations."""

import datetime
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from pickets.models import Representative, RepresentativeAttendance

from ..factories import (
    PicketInvitationFactory,
    PicketLineFactory,
    PicketVisitFactory,
    RepresentativeAttendanceFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db


def test_the_tulo_adds_a_councillor_and_past_visits_naming_them_are_linked(
    client, tulo, clp, other_clp
):
    typed = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=clp), name="ali  KHAN", office="councillor"
    )
    other_office = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=clp), name="Ali Khan", office="mayor"
    )
    other_clps = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=other_clp), name="Ali Khan", office="councillor"
    )
    client.force_login(tulo)
    response = client.post(
        reverse("pickets:representative_create", args=[clp.slug]),
        {
            "name": "Ali Khan",
            "office": "councillor",
            "area": "Clissold",
            "party": "Labour",
            "email": "ali@example.org",
        },
    )
    assert response.status_code == 302
    rep = Representative.objects.get()
    assert (rep.clp, rep.described) == (clp, "Ali Khan, Councillor for Clissold ward")
    for attendance, linked in [(typed, rep), (other_office, None), (other_clps, None)]:
        attendance.refresh_from_db()
        assert attendance.representative == linked


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Write the representative's name."),
        ({"office": "other"}, "office_title", "Say what the office is"),
        ({"office_title": "Alderman"}, "office_title", "Leave this blank unless"),
        (
            {"active_from": "2024-05-02", "active_until": "2022-05-05"},
            "active_until",
            "before the date they took office",
        ),
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"name": "<b>Ali</b>"}, "name", "can't contain < or >"),
    ],
)
def test_a_bad_form_says_what_to_fix_and_keeps_what_was_typed(
    client, tulo, clp, data, field, message
):
    client.force_login(tulo)
    form = {"name": "Ali Khan", "office": "councillor", "area": "Clissold ward", **data}
    response = client.post(reverse("pickets:representative_create", args=[clp.slug]), form)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "Clissold ward" in response.content.decode()
    assert not Representative.objects.exists()


def test_the_same_person_in_the_same_office_is_not_listed_twice(client, tulo, clp):
    RepresentativeFactory(clp=clp, name="Ali Khan")
    client.force_login(tulo)
    response = client.post(
        reverse("pickets:representative_create", args=[clp.slug]),
        {"name": "ali khan", "office": "councillor"},
    )
    assert "already has someone of this name and office" in response.content.decode()
    assert Representative.objects.count() == 1


def test_a_visit_ticks_listed_representatives_and_types_others(client, tulo, clp, dispute):
    mp = RepresentativeFactory(clp=clp, name="Jane Smith", office="mp")
    ali = RepresentativeFactory(clp=clp, name="Ali Khan")
    client.force_login(tulo)
    page = client.get(reverse("pickets:visit_create", args=[clp.slug])).content.decode()
    assert "Jane Smith, MP for Clissold" in page
    response = client.post(
        reverse("pickets:visit_create", args=[clp.slug]),
        {
            "dispute": dispute.pk,
            "date": "2026-11-19",
            "members_count": "2",
            "listed_representatives": [mp.pk],
            # Ali typed: matched to his record. The mayor is on no list: kept as typed.
            "representatives": "ali khan, councillor\nJo Bloggs, mayor\nJane Smith, MP",
        },
    )
    assert response.status_code == 302
    came = {(a.name, a.office, a.representative_id) for a in RepresentativeAttendance.objects.all()}
    assert came == {
        ("Jane Smith", "mp", mp.pk),
        ("ali khan", "councillor", ali.pk),
        ("Jo Bloggs", "mayor", None),
    }
    # Editing shows the listed ones ticked and only the others as text.
    visit = RepresentativeAttendance.objects.first().visit
    form = client.get(reverse("pickets:visit_edit", args=[clp.slug, visit.pk])).context["form"]
    assert set(form.initial["listed_representatives"]) == {mp.pk, ali.pk}
    assert form.initial["representatives"] == "Jo Bloggs, Mayor"


def test_the_visit_form_has_no_list_until_the_clp_keeps_one(client, member, clp):
    client.force_login(member)
    form = client.get(reverse("pickets:visit_create", args=[clp.slug])).context["form"]
    assert "listed_representatives" not in form.fields
    assert form.fields["representatives"].label == "Elected representatives who came"


def test_the_data_migration_matches_name_and_office(clp, other_clp):
    """The migration's own function, run on the models as they are now."""
    migration = import_module("pickets.migrations.0006_match_past_representatives")
    rep = RepresentativeFactory(clp=clp, name="Sade Etti", office="councillor")
    match = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=clp), name=" sade   etti ", office="councillor"
    )
    wrong_office = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=clp), name="Sade Etti", office="mp"
    )
    wrong_clp = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=other_clp), name="Sade Etti", office="councillor"
    )
    someone_else = RepresentativeAttendanceFactory(
        visit=PicketVisitFactory(clp=clp), name="Sade Ettie", office="councillor"
    )
    RepresentativeAttendance.objects.update(representative=None)
    migration.match(django_apps, None)
    linked = dict(RepresentativeAttendance.objects.values_list("pk", "representative_id"))
    assert linked == {
        match.pk: rep.pk,
        wrong_office.pk: None,
        wrong_clp.pk: None,
        someone_else.pk: None,
    }


def fill(clp, n: int):
    """n representatives, each invited to a picket line; every other one came."""
    today = timezone.localdate()
    for i in range(n):
        rep = RepresentativeFactory(clp=clp, name=f"Councillor {i:03}")
        line = PicketLineFactory(clp=clp)
        PicketInvitationFactory(picket_line=line, representative=rep, answer="no")
        if i % 2 == 0:
            visit = PicketVisitFactory(clp=clp, dispute=line.dispute, picket_line=line, date=today)
            RepresentativeAttendanceFactory(visit=visit, representative=rep)


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_s_queries_do_not_grow(client, tulo, clp, size, django_assert_num_queries):
    fill(clp, size)
    client.force_login(tulo)
    url = reverse("pickets:representatives", args=[clp.slug])
    # Four to sign in and open the CLP; one for the page of representatives with their tallies;
    # three for their invitations, the days they were invited to and the visits that name them.
    with django_assert_num_queries(8):
        response = client.get(url)
    page = response.content.decode()
    assert page.count('data-label="Came">1<') == (size + 1) // 2
    assert page.count('data-label="Invited">1<') == size


def test_a_representative_s_page_shows_each_invitation_and_what_came_of_it(
    client, tulo, clp, picket_line
):
    rep = RepresentativeFactory(clp=clp, name="Ali Khan")
    PicketInvitationFactory(
        picket_line=picket_line,
        representative=rep,
        answer="yes",
        answer_day=picket_line.action_days.first(),
    )
    client.force_login(tulo)
    page = client.get(reverse("pickets:representative", args=[clp.slug, rep.pk]))
    text = page.content.decode()
    assert "Said yes: " in text
    assert picket_line.dispute.title in text


def test_who_left_office_is_not_offered_for_an_invitation(client, tulo, clp, picket_line):
    gone = RepresentativeFactory(
        clp=clp, name="Former Councillor", active_until=timezone.localdate() - datetime.timedelta(1)
    )
    sitting = RepresentativeFactory(clp=clp, name="Sitting Councillor")
    client.force_login(tulo)
    form = client.get(reverse("pickets:invite", args=[clp.slug, picket_line.pk])).context["form"]
    offered = set(form.fields["representatives"].queryset)
    assert offered == {sitting}
    assert gone not in offered


@pytest.mark.parametrize("size", [3, 40])
def test_the_invite_and_representative_pages_queries_do_not_grow(
    client, tulo, clp, picket_line, size, django_assert_num_queries
):
    fill(clp, size)
    rep = Representative.objects.order_by("pk").first()
    for _ in range(size // 3):
        PicketInvitationFactory(picket_line=PicketLineFactory(clp=clp), representative=rep)
    client.force_login(tulo)
    with django_assert_num_queries(INVITE_PAGE_QUERIES):
        page = client.get(reverse("pickets:invite", args=[clp.slug, picket_line.pk]))
    assert page.content.decode().count('name="representatives"') == size
    with django_assert_num_queries(REPRESENTATIVE_PAGE_QUERIES):
        page = client.get(reverse("pickets:representative", args=[clp.slug, rep.pk]))
    assert page.content.decode().count('<span class="muted">sent ') == 1 + size // 3


# Signing in and the CLP, the picket line, its days to come, who is invited already, and the
# representatives offered (for the form, and for those with no address).
INVITE_PAGE_QUERIES = 10
# Signing in and the CLP, the representative, their invitations, the days and the visits.
REPRESENTATIVE_PAGE_QUERIES = 8
