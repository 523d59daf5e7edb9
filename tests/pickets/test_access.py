"""Every pickets URL with every member of the cast."""

import datetime

import pytest
from django.urls import reverse

from pickets.models import LeadLink, PicketSignup, VisitStatus

from ..factories import (
    ActionDayFactory,
    PicketSignupFactory,
    PicketVisitFactory,
    ReportPdfFactory,
    SolidarityActionFactory,
    VisitPhotoFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

CAST = ["anonymous", "outsider", "member", "executive", "other_tulo", "tulo"]
TULO = {"anonymous": 302, "tulo": 200}
REPORT = {"anonymous": 302, "tulo": 200, "executive": 200}
MEMBERS = {"anonymous": 302, "tulo": 200, "executive": 200, "member": 200}
PUBLIC = dict.fromkeys(CAST, 200)


@pytest.fixture
def records(clp, dispute, picket_line, member, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    visit = PicketVisitFactory(
        clp=clp,
        dispute=dispute,
        date=datetime.date(2026, 11, 1),
        members_count=2,
        status=VisitStatus.REPORTED,
    )
    photo = VisitPhotoFactory(visit=visit)
    action = SolidarityActionFactory(clp=clp, date=datetime.date(2026, 11, 1))
    pdf = ReportPdfFactory(clp=clp)
    return {"visit": visit, "photo": photo, "action": action, "pdf": pdf}


def pages(clp, dispute, line, records):
    s = clp.slug
    return [
        (reverse("pickets:picket_lines", args=[s]), TULO),
        (reverse("pickets:picket_line_choose", args=[s]), TULO),
        (reverse("pickets:picket_line_create", args=[s, dispute.pk]), TULO),
        (reverse("pickets:picket_line", args=[s, line.pk]), PUBLIC),
        (reverse("pickets:picket_line_edit", args=[s, line.pk]), TULO),
        (reverse("pickets:visits", args=[s]), TULO),
        (reverse("pickets:visit_create", args=[s]), MEMBERS),
        (reverse("pickets:visit", args=[s, records["visit"].pk]), TULO),
        (reverse("pickets:visit_edit", args=[s, records["visit"].pk]), TULO),
        (reverse("pickets:photo", args=[s, records["photo"].pk]), MEMBERS),
        (reverse("pickets:actions", args=[s]), TULO),
        (reverse("pickets:action_create", args=[s]), TULO),
        (reverse("pickets:action_edit", args=[s, records["action"].pk]), TULO),
        (reverse("pickets:report", args=[s]), REPORT),
        (reverse("pickets:report_csv", args=[s]), REPORT),
        (reverse("pickets:report_pdf", args=[s, records["pdf"].pk]), REPORT),
    ]


@pytest.mark.parametrize("role", CAST)
def test_pickets_pages_by_role(client, request, clp, dispute, picket_line, records, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for url, expected in pages(clp, dispute, picket_line, records):
        response = client.get(url)
        assert response.status_code == expected.get(role, 403), url


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "executive", "other_tulo"])
def test_only_the_tulo_confirms_and_deletes_visits(client, request, clp, records, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    visit = records["visit"]
    client.post(reverse("pickets:visit_confirm", args=[clp.slug, visit.pk]))
    client.post(reverse("pickets:visit_delete", args=[clp.slug, visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.REPORTED


def test_tulo_confirms_a_reported_visit(client, tulo, clp, records):
    client.force_login(tulo)
    visit = records["visit"]
    client.post(reverse("pickets:visit_confirm", args=[clp.slug, visit.pk]))
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CONFIRMED
    assert visit.confirmed_by == tulo


@pytest.mark.parametrize("role", ["member", "executive", "tulo"])
def test_members_of_the_clp_sign_up_and_cancel(client, request, clp, picket_line, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    day = picket_line.action_days.order_by("date").first()
    url = reverse("pickets:signup", args=[clp.slug, picket_line.pk])
    client.post(url, {"action_day": day.pk})
    client.post(url, {"action_day": day.pk})  # twice is still once
    assert PicketSignup.objects.filter(user=user).count() == 1
    client.post(url, {"action_day": day.pk, "cancel": "1"})
    assert not PicketSignup.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", ["anonymous", "outsider", "other_tulo"])
def test_people_outside_the_clp_cannot_sign_up(client, request, clp, picket_line, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    day = picket_line.action_days.first()
    client.post(reverse("pickets:signup", args=[clp.slug, picket_line.pk]), {"action_day": day.pk})
    assert not PicketSignup.objects.exists()


def test_signup_for_a_day_not_on_the_line_is_refused(client, member, clp, picket_line):
    other = ActionDayFactory()
    client.force_login(member)
    response = client.post(
        reverse("pickets:signup", args=[clp.slug, picket_line.pk]),
        {"action_day": other.pk},
        follow=True,
    )
    assert "not one of this picket line&#x27;s days" in response.content.decode()
    assert not PicketSignup.objects.exists()


def test_everyone_sees_how_many_are_going_but_only_the_tulo_sees_who(
    client, clp, picket_line, member, tulo
):
    day = picket_line.action_days.order_by("date").first()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    url = reverse("pickets:picket_line", args=[clp.slug, picket_line.pk])
    page = client.get(url).content.decode()
    assert "1 going" in page
    assert member.name not in page and member.email not in page
    client.force_login(tulo)
    assert member.name in client.get(url).content.decode()


def test_lead_link_shows_first_names_until_revoked(client, tulo, member, clp, picket_line):
    day = picket_line.action_days.order_by("date").first()
    PicketSignupFactory(picket_line=picket_line, action_day=day, user=member)
    client.force_login(tulo)
    client.post(
        reverse("pickets:lead_link_create", args=[clp.slug, picket_line.pk]), {"label": "Dave"}
    )
    link = LeadLink.objects.get()
    client.logout()
    page = client.get(reverse("pickets_lead:lead", args=[link.token]))
    assert page.status_code == 200
    assert "Sam" in page.content.decode()
    assert "Whitfield" not in page.content.decode()  # a first name, never a surname
    assert member.email not in page.content.decode()
    client.force_login(tulo)
    client.post(reverse("pickets:lead_link_revoke", args=[clp.slug, picket_line.pk, link.pk]))
    client.logout()
    assert client.get(reverse("pickets_lead:lead", args=[link.token])).status_code == 404
    assert client.get(reverse("pickets_lead:lead", args=["guessed-token"])).status_code == 404


def test_another_clps_tulo_cannot_reach_this_clps_records_by_id(
    client, other_tulo, other_clp, records
):
    client.force_login(other_tulo)
    s = other_clp.slug
    assert client.get(reverse("pickets:visit", args=[s, records["visit"].pk])).status_code == 404
    assert client.get(reverse("pickets:photo", args=[s, records["photo"].pk])).status_code == 404
    assert (
        client.get(reverse("pickets:action_edit", args=[s, records["action"].pk])).status_code
        == 404
    )
    assert client.get(reverse("pickets:report_pdf", args=[s, records["pdf"].pk])).status_code == 404


def test_a_photo_without_consent_is_for_the_tulo_only(client, member, tulo, clp, records):
    photo = records["photo"]
    photo.consent = False
    photo.save()
    client.force_login(member)
    assert client.get(reverse("pickets:photo", args=[clp.slug, photo.pk])).status_code == 403
    client.force_login(tulo)
    assert client.get(reverse("pickets:photo", args=[clp.slug, photo.pk])).status_code == 200


def test_the_public_map_lists_the_clps_picket_lines(client, clp, picket_line):
    workplace = WorkplaceFactory(latitude="51.56270", longitude="-0.07370")
    picket_line.dispute.workplaces.add(workplace)
    picket_line.workplace = workplace
    picket_line.save()
    clp.districts.create(district="N16")
    page = client.get(reverse("pickets_public:calendar_map", args=[clp.slug])).content.decode()
    assert "Picket line:</strong> The yard gate, 7am–10am" in page
    assert '"picket_lines": [{"place": "The yard gate"' in page
