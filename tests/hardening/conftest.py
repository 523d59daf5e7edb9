"""A CLP with one of every kind of record, for the hostile-input tests, and the hypothesis
profiles: a few examples per property in `make test`, many under `make fuzz`."""

import datetime
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, settings

from clps.models import MailStatus, Membership, Role
from newsletters.models import DigestStatus
from newsletters.monthly.services import section_build
from newsletters.weekly.render import go_placeholder
from newsletters.weekly.services import ensure_upcoming_digest
from pickets.models import VisitStatus
from strikes.models import CsvImportStatus

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    BranchFactory,
    CsvImportFactory,
    DigestFactory,
    DisputeFactory,
    EmployerFactory,
    InvitationFactory,
    JoinRequestFactory,
    LeadLinkFactory,
    OutgoingMailFactory,
    PicketInvitationFactory,
    PicketLineFactory,
    PicketSignupFactory,
    PicketVisitFactory,
    ReportPdfFactory,
    RepresentativeFactory,
    SolidarityActionFactory,
    SubscriberFactory,
    UnionFactory,
    VisitPhotoFactory,
    WorkplaceFactory,
)
from .corpus import FUZZ

# Each example runs inside a savepoint that is rolled back, so the function-scoped database
# fixture is shared safely between examples: the health check is suppressed on purpose. No
# example database: a failure prints the example that reproduces it.
_SHARED = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "derandomize": False,
}
settings.register_profile("quick", max_examples=30, **_SHARED)
settings.register_profile("fuzz", max_examples=2_000, **_SHARED)
settings.load_profile("fuzz" if FUZZ else "quick")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the Redis cache: start from zero, and leave nothing behind for the
    tests that run next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@dataclass
class Seeded:
    clp: object
    public_signup: object
    tulo: object
    member: object
    outsider: object
    site_admin: object
    union: object
    branch: object
    employer: object
    workplace: object
    dispute: object
    ballot: object
    action_day: object
    picket_line: object
    lead_link: object
    visit: object
    photo: object
    action: object
    digest: object
    stopped_digest: object
    sent_digest: object
    failed_mail: object
    report_pdf: object
    csv_job: object
    section: object
    subscriber: object
    membership: object
    join_request: object
    invitation: object
    invitation_token: str
    representative: object
    draft: object
    sent_invitation: object
    email_key: str
    reset_uidb36: str
    reset_key: str


@pytest.fixture
def seeded(clp, tulo, member, outsider, site_admin, media) -> Seeded:
    """One of each record a page can be about, all reachable from `clp`."""
    from allauth.account.forms import default_token_generator

    today = timezone.localdate()
    union = UnionFactory(name="Communication Workers Union", short_name="CWU")
    branch = BranchFactory(union=union, name="North London branch")
    employer = EmployerFactory(name="Royal Mail")
    workplace = WorkplaceFactory(
        employer=employer, name="Stoke Newington delivery office", postcode="N16 7AA"
    )
    dispute = DisputeFactory(
        title="Delivery office pay", employer=employer, unions=[union], workplaces=[workplace]
    )
    dispute.branches.set([branch])
    ballot = BallotFactory(
        dispute=dispute,
        union=union,
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today - datetime.timedelta(days=9),
        entitled_to_vote=1000,
        votes_cast=600,
        yes_votes=500,
        no_votes=100,
    )
    day = ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=3))
    # Yesterday's day, still open for the trip leader's check-in, with someone to tick off.
    checkin_day = ActionDayFactory(dispute=dispute, date=today - datetime.timedelta(days=1))
    line = PicketLineFactory(
        clp=clp,
        dispute=dispute,
        workplace=workplace,
        postcode="N16 7AA",
        action_days=[day, checkin_day],
    )
    lead_link = LeadLinkFactory(picket_line=line, label="Sam")
    public_signup = PicketSignupFactory(picket_line=line, action_day=day, public=True)
    PicketSignupFactory(picket_line=line, action_day=checkin_day, user=member)
    visit = PicketVisitFactory(
        clp=clp,
        dispute=dispute,
        date=today,
        members_count=2,
        reported_by=member,
        status=VisitStatus.REPORTED,
    )
    photo = VisitPhotoFactory(visit=visit)
    action = SolidarityActionFactory(clp=clp, date=today, title="Motion of support")
    report_pdf = ReportPdfFactory(
        clp=clp, start=today - datetime.timedelta(days=90), end=today, done=True
    )
    csv_job = CsvImportFactory(
        clp=clp,
        created_by=tulo,
        text=f"dispute,date\n{dispute.pk},{today + datetime.timedelta(days=20)}\n",
        status=CsvImportStatus.READY,
        rows_total=1,
        summary={"create": 1, "disputes": []},
    )
    section, _ = section_build(clp=clp, month=today.replace(day=1), by=tulo, notify=False)
    address = EmailAddress.objects.get(user=member)
    # The MP, invited and waiting for their answer; a councillor's invitation still a draft.
    representative = RepresentativeFactory(clp=clp, name="Ali Khan", email="ali@example.org")
    mp = RepresentativeFactory(clp=clp, name="Jane Smith", office="mp", email="mp@example.org")
    return Seeded(
        clp=clp,
        tulo=tulo,
        member=member,
        outsider=outsider,
        site_admin=site_admin,
        union=union,
        branch=branch,
        employer=employer,
        workplace=workplace,
        dispute=dispute,
        ballot=ballot,
        action_day=day,
        picket_line=line,
        lead_link=lead_link,
        public_signup=public_signup,
        visit=visit,
        photo=photo,
        action=action,
        digest=ensure_upcoming_digest(clp),
        # A past week's email that stopped sending, for the page with the button to resume it.
        stopped_digest=DigestFactory(
            clp=clp,
            week_start=today - datetime.timedelta(days=today.weekday() + 14),
            status=DigestStatus.STOPPED,
        ),
        # A week's email that went out, for its web version.
        sent_digest=DigestFactory(
            clp=clp,
            week_start=today - datetime.timedelta(days=today.weekday() + 21),
            status=DigestStatus.SENT,
            subject="Strikes this week",
            # It offered the picket line's day: its readers' "I'll go" links open.
            html=f"<p>Strikes this week</p>{go_placeholder(line.pk, day.pk)}",
            web_html="<p>Strikes this week</p>",
        ),
        # An email that could not be sent, for the outbox page's Send again button.
        failed_mail=OutgoingMailFactory(
            clp=clp,
            to=member.email,
            subject="Tomorrow: picket line at the gate",
            text="text",
            html="<p>html</p>",
            status=MailStatus.FAILED,
            error="550 No such user",
        ),
        report_pdf=report_pdf,
        csv_job=csv_job,
        section=section,
        subscriber=SubscriberFactory(clp=clp, name="Ruth"),
        membership=Membership.objects.get(clp=clp, user=member, role=Role.MEMBER),
        # A request to join and an invitation waiting, for the TULO's buttons and the link.
        join_request=JoinRequestFactory(clp=clp, user__email="asker@example.org"),
        invitation=InvitationFactory(clp=clp, invited_by=tulo, token="hardening-invitation"),
        invitation_token="hardening-invitation",
        representative=representative,
        draft=PicketInvitationFactory(
            picket_line=line, representative=representative, sent_at=None, created_by=tulo
        ),
        sent_invitation=PicketInvitationFactory(
            picket_line=line, representative=mp, created_by=tulo
        ),
        email_key=EmailConfirmationHMAC(address).key,
        reset_uidb36=user_pk_to_url_str(member),
        reset_key=default_token_generator.make_token(member),
    )
