import pytest
from django.urls import reverse

from clps.models import Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [3, 60])
def test_the_people_page_comes_a_page_at_a_time(
    client, clp, tulo, count, django_assert_num_queries
):
    MembershipFactory.create_batch(count, clp=clp, role=Role.MEMBER)
    client.force_login(tulo)
    url = reverse("clps:people", args=[clp.slug])
    client.get(url)
    with django_assert_num_queries(5):
        html = client.get(url).content.decode()
    assert html.count('name="role"') == min(count + 1, 50)  # and the TULO
    assert ("More people" in html) == (count + 1 > 50)
