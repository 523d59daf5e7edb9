import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from clps.joining import INVITATION_LIFETIME, new_token, token_digest
from clps.models import CLP, Membership, Role, User
from clps.postcodes import postcode_district
from newsletters.models import email_hash

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class CLPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CLP
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Example CLP {n}")
    slug = factory.Sequence(lambda n: f"example-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clp = factory.SubFactory(CLPFactory)
    role = Role.MEMBER


class JoinRequestFactory(factory.django.DjangoModelFactory):
    """A signed-in person asked to join the CLP; the request waits for a TULO."""

    class Meta:
        model = "clps.JoinRequest"

    clp = factory.SubFactory(CLPFactory)
    user = factory.SubFactory(UserFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation to join as a member, open for 14 days. Pass `token` to know its link's
    token: only its digest is stored."""

    class Meta:
        model = "clps.Invitation"
        exclude = ["token"]

    clp = factory.SubFactory(CLPFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = Role.MEMBER
    token = factory.LazyFunction(new_token)
    token_hash = factory.LazyAttribute(lambda o: token_digest(o.token))
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + INVITATION_LIFETIME)


class PostcodeDistrictFactory(factory.django.DjangoModelFactory):
    """An outward postcode that makes the workplaces in it local to the CLP."""

    class Meta:
        model = "clps.PostcodeDistrict"

    clp = factory.SubFactory(CLPFactory)
    district = "N16"


class AuditEventFactory(factory.django.DjangoModelFactory):
    """Someone asked to subscribe to the CLP's weekly email: the row names the subscriber by id."""

    class Meta:
        model = "clps.AuditEvent"

    clp = factory.SubFactory(CLPFactory)
    action = "subscribed"
    object_type = "subscriber"
    object_id = factory.Sequence(lambda n: n + 1)


class OutgoingMailFactory(factory.django.DjangoModelFactory):
    """A picket reminder waiting in the outbox to go."""

    class Meta:
        model = "clps.OutgoingMail"

    clp = factory.SubFactory(CLPFactory)
    kind = "picket_reminder"
    to = factory.Sequence(lambda n: f"member{n}@example.org")
    subject = "Tomorrow: picket line at The yard gate"
    text = "See you at the yard gate tomorrow, 07:00 to 10:00."
    html = "<p>See you at the yard gate tomorrow, 07:00 to 10:00.</p>"


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Union"

    name = factory.Sequence(lambda n: f"Union number {n}")
    short_name = factory.Sequence(lambda n: f"U{n}")


class BranchFactory(factory.django.DjangoModelFactory):
    """A union branch, reached through its secretary's role rather than a person."""

    class Meta:
        model = "strikes.Branch"

    union = factory.SubFactory(UnionFactory)
    name = factory.Sequence(lambda n: f"North London branch {n}")
    region = "London"
    contact_role = "Branch secretary"


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Employer"

    name = factory.Sequence(lambda n: f"Employer {n} Ltd")


class WorkplaceFactory(factory.django.DjangoModelFactory):
    """A depot in N16. Its postcode district is set from the postcode, as the service that saves
    a workplace sets it."""

    class Meta:
        model = "strikes.Workplace"

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Depot {n}")
    postcode = "N16 7AA"
    postcode_district = factory.LazyAttribute(lambda o: postcode_district(o.postcode))


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Dispute"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Dispute {n}")
    employer = factory.SubFactory(EmployerFactory)
    status = "taking_action"

    @factory.post_generation
    def unions(obj, create, extracted, **kwargs):
        if create:
            obj.unions.set(extracted or [UnionFactory()])

    @factory.post_generation
    def workplaces(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.workplaces.set(extracted)


class FollowedDisputeFactory(factory.django.DjangoModelFactory):
    """A CLP following a dispute that is not local to it."""

    class Meta:
        model = "strikes.FollowedDispute"

    clp = factory.SubFactory(CLPFactory)
    dispute = factory.SubFactory(DisputeFactory)


class ActionDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.ActionDay"

    dispute = factory.SubFactory(DisputeFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 12, 1) + datetime.timedelta(days=n))
    kind = "strike"


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Ballot"

    dispute = factory.SubFactory(DisputeFactory)
    union = factory.SubFactory(UnionFactory)
    opens_on = datetime.date(2026, 10, 1)
    closes_on = datetime.date(2026, 10, 22)


class CsvImportFactory(factory.django.DjangoModelFactory):
    """A TULO's file of action days, waiting for the worker to check it."""

    class Meta:
        model = "strikes.CsvImport"

    clp = factory.SubFactory(CLPFactory)
    kind = "action_days"
    filename = "action-days.csv"
    text = "dispute,date,kind\nDelivery office pay,2026-12-01,strike\n"
    status = "checking"


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A subscriber to a CLP's weekly email, confirmed unless given another status. The email
    hash is set as the subscription service sets it: without it the suppression list cannot
    apply to the row."""

    class Meta:
        model = "newsletters.Subscriber"

    clp = factory.SubFactory(CLPFactory)
    email = factory.Sequence(lambda n: f"subscriber{n}@example.org")
    email_hash = factory.LazyAttribute(lambda o: email_hash(o.email))
    status = "active"
    consent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(lambda o: o.consent_at if o.status == "active" else None)


class WeeklyScheduleFactory(factory.django.DjangoModelFactory):
    """The CLP's weekly email at 8am on Mondays, skipped in a week with nothing new."""

    class Meta:
        model = "newsletters.WeeklySchedule"

    clp = factory.SubFactory(CLPFactory)
    weekday = 0
    send_time = datetime.time(8)
    skip_empty = True


class PicketLineFactory(factory.django.DjangoModelFactory):
    """A picket line at the yard gate, 7 to 10am, on the days given (`action_days=[...]`)."""

    class Meta:
        model = "pickets.PicketLine"
        skip_postgeneration_save = True

    clp = factory.SubFactory(CLPFactory)
    dispute = factory.SubFactory(DisputeFactory)
    place = "The yard gate"
    postcode = "N16 0AA"
    start_time = datetime.time(7)
    end_time = datetime.time(10)

    @factory.post_generation
    def action_days(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.action_days.set(extracted)


def _day_on_the_line(line):
    """A new action day of the line's dispute, added to the line's days."""
    day = ActionDayFactory(dispute=line.dispute)
    line.action_days.add(day)
    return day


class PicketSignupFactory(factory.django.DjangoModelFactory):
    """A member's word that they will be at a picket line on one of its days (a new day on the
    line unless given one)."""

    class Meta:
        model = "pickets.PicketSignup"

    picket_line = factory.SubFactory(PicketLineFactory)
    action_day = factory.LazyAttribute(lambda o: _day_on_the_line(o.picket_line))
    user = factory.SubFactory(UserFactory)
    confirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        # Someone from the public page, by name and address, not yet confirmed.
        public = factory.Trait(
            user=None,
            source="public",
            name=factory.Faker("name", locale="en_GB"),
            email=factory.Sequence(lambda n: f"passer-by{n}@example.net"),
            confirmed_at=None,
        )


class LeadLinkFactory(factory.django.DjangoModelFactory):
    """The secret link a trip leader is sent to see who is coming to the picket line."""

    class Meta:
        model = "pickets.LeadLink"

    picket_line = factory.SubFactory(PicketLineFactory)
    label = "Sam, trip leader"


class PicketVisitFactory(factory.django.DjangoModelFactory):
    """Three of the CLP's members at the picket today, confirmed by the TULO. `members=[...]`
    names who went; `representatives=[(name, office), ...]` the elected representatives."""

    class Meta:
        model = "pickets.PicketVisit"
        skip_postgeneration_save = True

    clp = factory.SubFactory(CLPFactory)
    dispute = factory.SubFactory(DisputeFactory)
    date = factory.LazyFunction(timezone.localdate)
    members_count = 3
    status = "confirmed"

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)

    @factory.post_generation
    def representatives(obj, create, extracted, **kwargs):
        if create and extracted:
            for name, office in extracted:
                RepresentativeAttendanceFactory(visit=obj, name=name, office=office)


class RepresentativeAttendanceFactory(factory.django.DjangoModelFactory):
    """A local councillor who joined the CLP's members on the picket line."""

    class Meta:
        model = "pickets.RepresentativeAttendance"

    visit = factory.SubFactory(PicketVisitFactory)
    name = "Maya Patel"
    office = "councillor"


class RepresentativeFactory(factory.django.DjangoModelFactory):
    """A ward councillor on the CLP's list, with an address for invitations."""

    class Meta:
        model = "pickets.Representative"

    clp = factory.SubFactory(CLPFactory)
    name = factory.Sequence(lambda n: f"Councillor Number {n}")
    office = "councillor"
    area = "Clissold"
    email = factory.Sequence(lambda n: f"councillor{n}@example.org")


class PicketInvitationFactory(factory.django.DjangoModelFactory):
    """An invitation sent to a representative for the picket line's days (all of them, unless
    `action_days=[...]`), not yet answered."""

    class Meta:
        model = "pickets.PicketInvitation"
        skip_postgeneration_save = True

    picket_line = factory.SubFactory(PicketLineFactory)
    clp = factory.SelfAttribute("picket_line.clp")
    representative = factory.SubFactory(RepresentativeFactory, clp=factory.SelfAttribute("..clp"))
    subject = "Will you join the picket line?"
    body = "Dear Councillor, would you join us?"
    sent_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def action_days(obj, create, extracted, **kwargs):
        if create:
            obj.action_days.set(
                extracted if extracted is not None else obj.picket_line.action_days.all()
            )


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    """A photo of the CLP's banner at the picket, shared with the consent of those in it. The
    file is written to MEDIA_ROOT, so a test that makes one points MEDIA_ROOT at a temporary
    folder."""

    class Meta:
        model = "pickets.VisitPhoto"

    visit = factory.SubFactory(PicketVisitFactory)
    image = factory.django.FileField(filename="gate.jpg", data=b"\xff\xd8\xff\xe0 a photo")
    consent = True


class SolidarityActionFactory(factory.django.DjangoModelFactory):
    """A motion of support passed today; an entry of another kind has no title unless given
    one."""

    class Meta:
        model = "pickets.SolidarityAction"

    clp = factory.SubFactory(CLPFactory)
    kind = "motion"
    date = factory.LazyFunction(timezone.localdate)
    title = factory.LazyAttributeSequence(lambda o, n: f"Motion {n}" if o.kind == "motion" else "")


class ReportPdfFactory(factory.django.DjangoModelFactory):
    """The solidarity report for January to March 2026 as a PDF, waiting for a worker; with
    `done=True`, built, its file written to MEDIA_ROOT."""

    class Meta:
        model = "pickets.ReportPdf"

    class Params:
        done = factory.Trait(
            status="done",
            progress=100,
            file=factory.django.FileField(filename="report.pdf", data=b"%PDF-1.7 a report"),
        )

    clp = factory.SubFactory(CLPFactory)
    start = datetime.date(2026, 1, 1)
    end = datetime.date(2026, 3, 31)


class DigestFactory(factory.django.DjangoModelFactory):
    """A week's email; this week's unless given another Monday."""

    class Meta:
        model = "newsletters.Digest"

    clp = factory.SubFactory(CLPFactory)
    week_start = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    )


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A week's email to one of the CLP's subscribers, queued to go."""

    class Meta:
        model = "newsletters.Delivery"

    digest = factory.SubFactory(DigestFactory)
    subscriber = factory.SubFactory(SubscriberFactory, clp=factory.SelfAttribute("..digest.clp"))


class NewsletterScheduleFactory(factory.django.DjangoModelFactory):
    """The CLP's monthly newsletter on the 1st, carrying the month before's union updates,
    drafted five days ahead and sent to the newsletter's editor once approved."""

    class Meta:
        model = "newsletters.NewsletterSchedule"

    clp = factory.SubFactory(CLPFactory)
    day_of_month = 1
    days_before = 5
    covers = "previous"
    editor_email = "editor@example.org"


class NewsletterSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletters.NewsletterSection"

    clp = factory.SubFactory(CLPFactory)
    month = datetime.date(2026, 10, 1)


class NewsletterSectionVersionFactory(factory.django.DjangoModelFactory):
    """The first version of a month's union updates, as drafted from the records."""

    class Meta:
        model = "newsletters.NewsletterSectionVersion"

    section = factory.SubFactory(NewsletterSectionFactory)
    number = 1
    source = "records"
    markdown = "## Union updates\n\nOur members joined the CWU picket at the delivery office."
