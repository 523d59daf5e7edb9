"""A person spread across every table that can hold them, for the copy and erasure tests."""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from clps.audit import record_event
from clps.models import AuditAction, Role, User
from newsletters.models import DeliveryStatus, Subscriber
from newsletters.services import subscribe, subscription_confirm
from pickets.models import PicketLine, PicketVisit, SolidarityAction, VisitPhoto, VisitStatus
from strikes.models import Branch

from ..conftest import enable_totp
from ..factories import (
    ActionDayFactory,
    BallotFactory,
    DeliveryFactory,
    DigestFactory,
    DisputeFactory,
    LeadLinkFactory,
    MembershipFactory,
    PicketLineFactory,
    PicketSignupFactory,
    RepresentativeAttendanceFactory,
    UnionFactory,
)

# Mixed case on purpose: the erasure must find it however it was typed.
EMAIL = "Marguerite.Okonjo@Example.org"
NAME = "Marguerite Okonjo-Baptiste"
FIRST_NAME = "Marguerite"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(out, format="JPEG")
    return SimpleUploadedFile("banner.jpg", out.getvalue(), content_type="image/jpeg")


@dataclass
class Seeded:
    user: User
    dispute: object
    visit: PicketVisit
    photo: VisitPhoto
    subscribers: list[Subscriber]


@pytest.fixture
def dispute(db):
    return DisputeFactory(
        title="Homerton Road sorting office",
        unions=[UnionFactory(name="Communication Workers Union", short_name="CWU")],
    )


@pytest.fixture
def line_on(clp, dispute):
    """A picket line of the CLP's on the dispute, on these days."""

    def make(*days: datetime.date) -> PicketLine:
        return PicketLineFactory(
            clp=clp,
            dispute=dispute,
            action_days=[ActionDayFactory(dispute=dispute, date=d) for d in days],
        )

    return make


@pytest.fixture
def person(clp, other_clp, tulo, member, dispute, line_on) -> Seeded:
    """Marguerite: a member of the CLP with two-factor sign-in and a session, subscribed to both
    CLPs' emails (one sent to her), signed up to a picket line (and to another from the weekly
    email, by name and address), who reported a visit (with a
    photo, a note naming her, and a councillor of her own name), went on it, recorded money
    raised, edited shared records, and is named in a branch's contact details, a trip leader's
    link and the admin's log."""
    user = MembershipFactory(clp=clp, role=Role.MEMBER, user__email=EMAIL, user__name=NAME).user
    enable_totp(user)
    Client().force_login(user)  # a session row in the database, on a phone of her own

    subscribers = []
    for where in (clp, other_clp):
        subscribe(clp=where, email=EMAIL, name=NAME, postcode="N16 7AA")
        subscriber = Subscriber.objects.get(clp=where, email__iexact=EMAIL)
        subscription_confirm(subscriber=subscriber)
        subscribers.append(subscriber)
    DeliveryFactory(
        digest=DigestFactory(clp=clp, week_start=datetime.date(2026, 11, 16), subject="W"),
        subscriber=subscribers[0],
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        error=f"421 try again later for {EMAIL.lower()}",
    )

    line = line_on(timezone.localdate() + datetime.timedelta(days=3))
    day = line.action_days.get()
    PicketSignupFactory(picket_line=line, action_day=day, user=user)
    # And, from the weekly email, by her name and address on another day.
    later = line_on(timezone.localdate() + datetime.timedelta(days=4))
    PicketSignupFactory(
        picket_line=later,
        action_day=later.action_days.get(),
        public=True,
        source="subscriber",
        name=NAME,
        email=EMAIL.lower(),
        confirmed_at=timezone.now(),
    )
    LeadLinkFactory(picket_line=line, label=f"{NAME}, trip leader")

    visit = PicketVisit(
        clp=clp,
        dispute=dispute,
        picket_line=line,
        date=timezone.localdate() - datetime.timedelta(days=5),
        members_count=3,
        report=f"{NAME} brought the banner. Thanks {FIRST_NAME}! Reach her at {EMAIL}.",
        reported_by=user,
    )
    visit._history_user = user
    visit.save()
    visit.members.set([user, member])
    RepresentativeAttendanceFactory(visit=visit, name=NAME, office="councillor")
    PicketVisit.objects.filter(pk=visit.pk).update(
        status=VisitStatus.CONFIRMED, confirmed_by=tulo, confirmed_at=timezone.now()
    )
    photo = VisitPhoto(visit=visit, consent=True, uploaded_by=user)
    upload = jpeg()
    photo.image.save(upload.name, upload, save=False)
    photo.save()

    action = SolidarityAction(
        clp=clp,
        kind="money_raised",
        date=visit.date,
        dispute=dispute,
        amount_pence=135_000,
        fund_name="CWU hardship fund",
        note=f"Collected by {NAME}",
        created_by=user,
    )
    action._history_user = user
    action.save()

    # Edits to shared records, as the edit history records them.
    dispute.demands = "A decent pay rise"
    dispute._history_user = user
    dispute.save()
    ballot = BallotFactory(dispute=dispute, union=dispute.unions.first())
    ballot.entitled_to_vote = 100
    ballot._history_user = user
    ballot.save()
    branch = Branch(union=dispute.unions.first(), name="Hackney", contact_route=EMAIL)
    branch._history_user = user
    branch.save()

    LogEntry.objects.create(
        user=tulo,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=EMAIL.lower(),
        action_flag=CHANGE,
    )
    record_event(action=AuditAction.PERSON_EXPORTED, clp=clp, actor=user, object_type="person")
    return Seeded(user=user, dispute=dispute, visit=visit, photo=photo, subscribers=subscribers)


@pytest.fixture
def eager():
    """Run enqueued tasks in the test's own process: this checks what the tick decides."""
    from tuliaison.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
