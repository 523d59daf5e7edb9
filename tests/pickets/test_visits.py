"""Reporting picket visits, with photos checked and stripped of location data."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pickets.models import PicketVisit, VisitPhoto, VisitStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 33.0, 45.0)
    gps[3], gps[4] = "W", (0.0, 4.0, 25.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the fixture has GPS data"
    return data


def visit_data(dispute, **extra):
    return {
        "dispute": dispute.pk,
        "date": "2026-11-19",
        "members_count": "2",
        "banner": "on",
        "report": "Two lines <script>alert(1)</script>",
        "representatives": "Diane Abbott, MP\nCllr Sade Etti, councillor",
        **extra,
    }


def test_member_reports_a_visit_with_a_photo_stripped_of_gps(client, member, clp, dispute):
    client.force_login(member)
    photo = SimpleUploadedFile("banner.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        reverse("pickets:visit_create", args=[clp.slug]),
        visit_data(dispute, photos=photo, photo_consent="on"),
    )
    assert response.status_code == 302
    visit = PicketVisit.objects.get()
    assert visit.status == VisitStatus.REPORTED  # counts once the TULO confirms
    assert visit.reported_by == member
    assert [(r.name, r.office) for r in visit.representatives.order_by("name")] == [
        ("Cllr Sade Etti", "councillor"),
        ("Diane Abbott", "mp"),
    ]
    stored = VisitPhoto.objects.get()
    assert stored.consent
    with Image.open(stored.image.path) as saved:
        assert saved.format == "JPEG"
        assert not saved.getexif()
        assert saved.size == (64, 48)


def test_script_in_a_report_is_shown_as_text(client, member, tulo, clp, dispute):
    client.force_login(member)
    client.post(reverse("pickets:visit_create", args=[clp.slug]), visit_data(dispute))
    client.force_login(tulo)
    visit = PicketVisit.objects.get()
    page = client.get(reverse("pickets:visit", args=[clp.slug, visit.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_tulo_records_a_confirmed_visit(client, tulo, clp, dispute):
    client.force_login(tulo)
    client.post(reverse("pickets:visit_create", args=[clp.slug]), visit_data(dispute))
    assert PicketVisit.objects.get().status == VisitStatus.CONFIRMED


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4 not an image", "not a photo we can read"),
        ("fake.jpg", b"GIF89a" + b"\x00" * 20, "not a photo we can read"),
        ("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1), "the limit is 10 MB"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(
    client, member, clp, dispute, name, content, message
):
    client.force_login(member)
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(
        reverse("pickets:visit_create", args=[clp.slug]), visit_data(dispute, photos=upload)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Diane Abbott, MP" in page  # what was typed is kept
    assert not PicketVisit.objects.exists()
    assert not VisitPhoto.objects.exists()


def test_a_gif_is_refused_by_type(client, member, clp, dispute):
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    client.force_login(member)
    response = client.post(
        reverse("pickets:visit_create", args=[clp.slug]),
        visit_data(dispute, photos=SimpleUploadedFile("a.gif", out.getvalue())),
    )
    assert "GIF files are not accepted" in response.content.decode()
    assert not PicketVisit.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("members_count", "0", "Count at least one member"),
        ("members_count", "-3", "Count at least one member"),
        ("representatives", "Diane Abbott", "needs a name, a comma and an office"),
        ("representatives", "Diane Abbott, king", "needs a name, a comma and an office"),
        ("date", "2026-02-31", "Enter a valid date"),
    ],
)
def test_visit_form_errors(client, member, clp, dispute, field, value, message):
    client.force_login(member)
    response = client.post(
        reverse("pickets:visit_create", args=[clp.slug]), visit_data(dispute, **{field: value})
    )
    assert message in response.content.decode()
    assert not PicketVisit.objects.exists()


def test_money_is_recorded_in_pence(client, tulo, clp, dispute):
    from pickets.models import SolidarityAction

    client.force_login(tulo)
    response = client.post(
        reverse("pickets:action_create", args=[clp.slug]),
        {
            "kind": "benefit_event",
            "date": "2026-11-01",
            "amount": "1350",
            "dispute": dispute.pk,
            "fund_name": "CWU hardship fund",
            "title": "Benefit gig",
        },
    )
    assert response.status_code == 302
    assert SolidarityAction.objects.get().amount_pence == 135000
    response = client.post(
        reverse("pickets:action_create", args=[clp.slug]),
        {"kind": "motion", "date": "2026-11-01", "amount": "5"},
    )
    assert "Only money raised" in response.content.decode()
    response = client.post(
        reverse("pickets:action_create", args=[clp.slug]),
        {"kind": "money_raised", "date": "2026-11-01", "amount": "12.50"},
    )
    assert "Name the hardship fund" in response.content.decode()
    assert SolidarityAction.objects.count() == 1


def test_picket_line_form_refuses_end_before_start(client, tulo, clp, dispute):
    from ..factories import ActionDayFactory

    day = ActionDayFactory(dispute=dispute, date=datetime.date(2026, 12, 3))
    client.force_login(tulo)
    response = client.post(
        reverse("pickets:picket_line_create", args=[clp.slug, dispute.pk]),
        {"place": "Gate", "action_days": [day.pk], "start_time": "10:00", "end_time": "07:00"},
    )
    assert "The end time is before the start time." in response.content.decode()
