"""A picket line's pages encourage: a count where some are going, never "0 going", and only the
days still to come are offered."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import (
    ActionDayFactory,
    FollowedDisputeFactory,
    PicketLineFactory,
    PicketSignupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(clp):
    today = timezone.localdate()
    past = ActionDayFactory(date=today - datetime.timedelta(days=3))
    soon = ActionDayFactory(dispute=past.dispute, date=today + datetime.timedelta(days=1))
    later = ActionDayFactory(dispute=past.dispute, date=today + datetime.timedelta(days=2))
    FollowedDisputeFactory(clp=clp, dispute=past.dispute)
    return PicketLineFactory(clp=clp, dispute=past.dispute, action_days=[past, soon, later])


def test_the_public_page_offers_only_days_to_come_and_counts_only_those_going(
    client, clp, line, member
):
    soon, later = line.action_days.filter(date__gt=timezone.localdate()).order_by("date")
    PicketSignupFactory(picket_line=line, action_day=soon, user=member)
    page = client.get(reverse("pickets:picket_line", args=[clp.slug, line.pk])).content.decode()
    past = line.action_days.order_by("date").first()
    assert f"{past.date:%A} {past.date.day} {past.date:%B}" not in page
    assert f"{soon.date:%A} {soon.date.day} {soon.date:%B}" in page
    assert f"{later.date:%A} {later.date.day} {later.date:%B}" in page
    assert "1 going" in page and "0 going" not in page


def test_a_line_whose_days_are_over_says_so(client, clp):
    over = PicketLineFactory(
        clp=clp, action_days=[ActionDayFactory(date=timezone.localdate() - datetime.timedelta(1))]
    )
    page = client.get(reverse("pickets:picket_line", args=[clp.slug, over.pk])).content.decode()
    assert "This picket line's days are over." in page
    assert "I'll go" not in page


def test_the_calendar_and_the_tulos_list_show_no_zero_counts(client, clp, tulo, line):
    calendar = client.get(reverse("pickets_public:calendar", args=[clp.slug])).content.decode()
    assert "0 going" not in calendar and "I'll go" in calendar
    client.force_login(tulo)
    lines = client.get(reverse("pickets:picket_lines", args=[clp.slug])).content.decode()
    assert "0 going" not in lines and "The yard gate" in lines


def test_the_page_can_be_shared_and_unfurls_with_its_title(client, clp, line, settings):
    settings.SITE_URL = "https://tuliaison.example.org"
    page = client.get(reverse("pickets:picket_line", args=[clp.slug, line.pk])).content.decode()
    url = f"https://tuliaison.example.org/c/{clp.slug}/pickets/{line.pk}/"
    assert f'<meta property="og:url" content="{url}">' in page
    assert f'<meta property="og:title" content="Picket line: {line.dispute.title}">' in page
    whatsapp = re.search(r'href="(https://wa\.me/\?text=[^"]+)"', page).group(1)
    message = parse_qs(urlsplit(unescape(whatsapp)).query)["text"][0]
    assert line.dispute.title in message and "The yard gate" in message and url in message
    assert "https://t.me/share/url?" in page and "mailto:?subject=" in page
    assert 'class="secondary share-native" hidden' in page  # shown by script where it works
