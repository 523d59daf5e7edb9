"""Erasure: the person goes from every table and from the edit history, the counts in past
reports stay, and the address is never emailed again."""

import datetime
import glob
import os
import subprocess
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clps.models import AuditAction, AuditEvent, Membership, User
from newsletters.models import Delivery, Subscriber
from newsletters.services import SignupOutcome, subscribe
from pickets.models import PicketSignup, PicketVisit, SolidarityAction, VisitPhoto
from pickets.selectors import solidarity_report
from privacy.erasure import person_erase

from .conftest import EMAIL, FIRST_NAME, NAME


def database_text() -> str:
    """Everything in the test database as text: pg_dump's dump of it, or, when the server
    and pg_dump differ in version, every row of every table cast to text."""
    db = connection.settings_dict
    for pg_dump in sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True):
        done = subprocess.run(
            [
                pg_dump,
                "--no-owner",
                "-h",
                db["HOST"] or "127.0.0.1",
                "-p",
                str(db["PORT"] or os.environ.get("PG_PORT", "5432")),
                "-U",
                db["USER"] or "postgres",
                db["NAME"],
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            assert "COPY public.clps_user" in done.stdout
            return done.stdout
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" AS t')  # noqa: S608 - our own names
            rows += [row[0] for row in cursor.fetchall()]
    return "\n".join(rows)


def traces(text: str) -> list[str]:
    lowered = text.lower()
    needles = [EMAIL, EMAIL.lower(), NAME, NAME.lower(), FIRST_NAME, FIRST_NAME.lower()]
    return [n for n in needles if n in text or n.lower() in lowered]


def report_numbers(clp) -> dict:
    today = timezone.localdate()
    report = solidarity_report(
        clp=clp, start=today - datetime.timedelta(days=60), end=today + datetime.timedelta(days=1)
    )
    return {
        "visits": report.visits,
        "attendances": report.attendances,
        "distinct_members": report.distinct_members,
        "representative_visits": report.representative_visits,
        "money_pence": report.money_pence,
        "money_by_fund": report.money_by_fund,
        "per_dispute": [
            (r.dispute.pk, r.visits, r.attendances, r.money_pence) for r in report.per_dispute
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_trace_in_the_database_and_keeps_the_reports_counts(
    person, clp, site_admin, member
):
    before = report_numbers(clp)
    assert before["distinct_members"] == 2 and before["money_pence"] == 135_000
    assert set(traces(database_text())) >= {EMAIL.lower(), NAME, FIRST_NAME}, (
        "the dump must see the person before, or the test proves nothing"
    )
    assert Session.objects.exists()
    authenticators = Authenticator.objects.count()
    photo_file = Path(person.photo.image.path)
    assert photo_file.exists()

    result = person_erase(email=EMAIL.upper(), by=site_admin)

    assert result.account and result.erased["subscriptions"] == 2 and result.erased["photos"] == 1
    dump = database_text()
    assert traces(dump) == [], [line for line in dump.splitlines() if "arguerite" in line]
    assert report_numbers(clp) == before
    assert not photo_file.exists()

    assert not User.objects.filter(email__iexact=EMAIL).exists()
    assert not Subscriber.objects.filter(email__iexact=EMAIL).exists()
    assert not PicketSignup.objects.exists()
    assert not EmailAddress.objects.filter(email__iexact=EMAIL).exists()
    assert not Session.objects.exists()
    assert Authenticator.objects.count() == authenticators - 1
    assert not VisitPhoto.objects.exists()
    # Kept, without her: the visit and its count of members, the money, the email sent.
    visit = PicketVisit.objects.get()
    assert visit.members_count == 3 and visit.members.count() == 2
    assert member in visit.members.all()
    assert visit.reported_by.name == "Erased person" and not visit.reported_by.is_active
    assert not visit.reported_by.has_usable_password()
    assert SolidarityAction.objects.get().amount_pence == 135_000
    assert Delivery.objects.get().subscriber is None
    assert Membership.objects.filter(clp=clp).count() == 2  # the TULO and the other member
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_ERASED, clp=clp).exists()

    # Never emailed again, however the address is typed.
    assert subscribe(clp=clp, email=EMAIL) == SignupOutcome.SUPPRESSED
    assert subscribe(clp=clp, email=EMAIL.lower()) == SignupOutcome.SUPPRESSED
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_erasure_is_all_or_nothing(person, site_admin, monkeypatch):
    from privacy import erasure

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "_scrub_text", fail)
    with pytest.raises(RuntimeError):
        person_erase(email=EMAIL, by=site_admin)
    assert User.objects.filter(pk=person.user.pk).exists()
    assert Subscriber.objects.filter(email__iexact=EMAIL).count() == 2
    assert VisitPhoto.objects.get().image.storage.exists(VisitPhoto.objects.get().image.name)


@pytest.mark.django_db
def test_a_tulo_erases_someone_only_their_clp_holds(client, clp, tulo, dispute):
    subscribe(clp=clp, email="ada@example.org", name="Ada Lovelace")
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    review = client.post(url, {"email": "ada@example.org", "action": "review"})
    assert review.status_code == 200
    assert b"Erase for good" in review.content

    refused = client.post(url, {"email": "ada@example.org", "action": "erase"})
    assert b"Tick the box to confirm" in refused.content
    assert Subscriber.objects.exists()

    done = client.post(url, {"email": "ada@example.org", "action": "erase", "confirm": "on"})
    assert done.status_code == 302
    assert not Subscriber.objects.exists()
    assert AuditEvent.objects.filter(clp=clp, action=AuditAction.PERSON_ERASED, actor=tulo).exists()


@pytest.mark.django_db
def test_a_tulo_cannot_erase_someone_another_clp_also_holds(person, clp, tulo, client):
    with pytest.raises(ValidationError, match="site admin"):
        person_erase(email=EMAIL, by=tulo, clp=clp)
    client.force_login(tulo)
    url = reverse("privacy:clp_requests", args=[clp.slug])
    review = client.post(url, {"email": EMAIL, "action": "review"})
    assert b"can only be erased by a site admin" in review.content
    assert b"Erase for good" not in review.content
    assert User.objects.filter(pk=person.user.pk).exists()


@pytest.mark.django_db
def test_a_tulo_cannot_erase_for_a_clp_that_holds_nothing_of_the_person(
    person, other_clp, other_tulo
):
    Subscriber.objects.filter(clp=other_clp).delete()
    with pytest.raises(ValidationError, match="holds nothing"):
        person_erase(email=EMAIL, by=other_tulo, clp=other_clp)


@pytest.mark.django_db
def test_only_a_tulo_or_site_admin_may_erase(person, clp, member, executive, tulo_without_mfa):
    for who in (member, executive, tulo_without_mfa):
        with pytest.raises(PermissionDenied):
            person_erase(email="someone@example.org", by=who, clp=clp)
        with pytest.raises(PermissionDenied):
            person_erase(email="someone@example.org", by=who)
    assert User.objects.filter(pk=person.user.pk).exists()


@pytest.mark.django_db
def test_the_members_page_for_erasure_refuses_other_roles(client, clp, executive, member):
    url = reverse("privacy:clp_requests", args=[clp.slug])
    for who in (executive, member):
        client.force_login(who)
        assert client.post(url, {"email": EMAIL, "action": "review"}).status_code == 403
