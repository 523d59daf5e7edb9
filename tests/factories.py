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
