import factory
from allauth.account.models import EmailAddress

from clps.models import CLP, Membership, Role, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="en_GB")
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
