import pytest
from django.urls import reverse

from clps.models import Role

from ..factories import InvitationFactory, JoinRequestFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# The session and user, the TULO's role, then a page each of people, of requests to join and
# of invitations not yet accepted.
PEOPLE_QUERIES = 7


@pytest.mark.parametrize("count", [3, 60])
def test_the_people_page_comes_a_page_at_a_time(
    client, clp, tulo, count, django_assert_num_queries
):
    MembershipFactory.create_batch(count, clp=clp, role=Role.MEMBER)
    client.force_login(tulo)
    url = reverse("clps:people", args=[clp.slug])
    client.get(url)
    with django_assert_num_queries(PEOPLE_QUERIES):
        html = client.get(url).content.decode()
    assert html.count('name="role"') == min(count + 1, 50) + 1  # and the TULO; and the invite
    assert ("More people" in html) == (count + 1 > 50)


@pytest.mark.parametrize("count", [1, 60])
def test_requests_and_invitations_come_a_page_at_a_time(
    client, clp, tulo, count, django_assert_num_queries
):
    JoinRequestFactory.create_batch(count, clp=clp)
    InvitationFactory.create_batch(count, clp=clp, invited_by=tulo)
    client.force_login(tulo)
    url = reverse("clps:people", args=[clp.slug])
    client.get(url)
    with django_assert_num_queries(PEOPLE_QUERIES):
        html = client.get(url).content.decode()
    assert html.count(">Approve</button>") == min(count, 50)
    assert html.count(">Revoke</button>") == min(count, 50)
    assert ("More requests" in html) == (count > 50)
    assert ("More invitations" in html) == (count > 50)
    if count > 50:
        after = html.split("?requests_after=", 1)[1].split("#", 1)[0]
        with django_assert_num_queries(PEOPLE_QUERIES):
            rest = client.get(f"{url}?requests_after={after}").content.decode()
        assert rest.count(">Approve</button>") == count - 50
