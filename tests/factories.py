import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from clps.models import CLP, Membership, Role, User
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


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Union"

    name = factory.Sequence(lambda n: f"Union number {n}")
    short_name = factory.Sequence(lambda n: f"U{n}")


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Employer"

    name = factory.Sequence(lambda n: f"Employer {n} Ltd")


class WorkplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "strikes.Workplace"

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Depot {n}")
    postcode = "N16 7AA"
    postcode_district = "N16"


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


class PicketVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pickets.PicketVisit"

    clp = factory.SubFactory(CLPFactory)
    dispute = factory.SubFactory(DisputeFactory)
    date = factory.LazyFunction(timezone.localdate)
    members_count = 3
    status = "confirmed"


class SolidarityActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pickets.SolidarityAction"

    clp = factory.SubFactory(CLPFactory)
    kind = "motion"
    date = factory.LazyFunction(timezone.localdate)
    title = factory.Sequence(lambda n: f"Motion {n}")


class DigestFactory(factory.django.DjangoModelFactory):
    """A week's email; this week's unless given another Monday."""

    class Meta:
        model = "newsletters.Digest"

    clp = factory.SubFactory(CLPFactory)
    week_start = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    )


class NewsletterSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "newsletters.NewsletterSection"

    clp = factory.SubFactory(CLPFactory)
    month = datetime.date(2026, 10, 1)
