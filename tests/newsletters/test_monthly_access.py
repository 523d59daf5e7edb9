"""Who may do what with the section: the CLP's TULO edits, approves and sets the schedule; its
executive reads and copies out; nobody else gets in. And the pages cost the same number of
queries however long the history."""

import datetime

import pytest
from django.urls import reverse

from newsletters.models import NewsletterSection
from newsletters.monthly import services

from ..factories import NewsletterSectionFactory, NewsletterSectionVersionFactory

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 10, 1)


@pytest.fixture
def section(clp) -> NewsletterSection:
    made, _ = services.section_build(clp=clp, month=MONTH, notify=False)
    return made


def reads(clp) -> list[str]:
    return [
        reverse("newsletters:sections", args=[clp.slug]),
        reverse("newsletters:section", args=[clp.slug, MONTH]),
        reverse("newsletters:section_copy", args=[clp.slug, MONTH]),
        reverse("newsletters:section_version", args=[clp.slug, MONTH, 1]),
        reverse("newsletters:section_download", args=[clp.slug, MONTH, "markdown"]),
    ]


def writes(clp) -> list[tuple[str, dict]]:
    return [
        (
            reverse("newsletters:section_save", args=[clp.slug, MONTH]),
            {"markdown": "Changed.", "column": "", "based_on": "1"},
        ),
        (reverse("newsletters:section_approve", args=[clp.slug, MONTH]), {"version": "1"}),
        (reverse("newsletters:section_redraft", args=[clp.slug, MONTH]), {}),
        (reverse("newsletters:section_preview", args=[clp.slug, MONTH]), {"markdown": "x"}),
        (
            reverse("newsletters:section_schedule", args=[clp.slug]),
            {"day_of_month": "1", "days_before": "5", "covers": "previous"},
        ),
        (reverse("newsletters:section_build", args=[clp.slug]), {"month": "2026-09"}),
    ]


def test_the_tulo_reads_and_writes(client, clp, tulo, section):
    client.force_login(tulo)
    for url in reads(clp):
        assert client.get(url).status_code == 200, url
    for url, data in writes(clp):
        assert client.post(url, data).status_code in (200, 302), url
    assert section.versions.count() == 3  # edited, then drafted again
    assert NewsletterSection.objects.filter(clp=clp).count() == 2


def test_the_executive_reads_and_copies_out_but_changes_nothing(client, clp, executive, section):
    client.force_login(executive)
    for url in reads(clp):
        assert client.get(url).status_code == 200, url
    for url, data in writes(clp):
        assert client.post(url, data).status_code == 403, url
    assert section.versions.count() == 1
    assert not section.versions.get().is_approved
    assert NewsletterSection.objects.filter(clp=clp).count() == 1

    page = client.get(reverse("newsletters:section", args=[clp.slug, MONTH])).content.decode()
    assert "<textarea" not in page and '<form method="post" action="/c/' not in page
    assert "Approve" not in page and "Draft again" not in page
    assert "Copy out" in page
    assert 'href="/c/hackney-north/newsletter/">Newsletter section</a>' in page
    index = client.get(reverse("newsletters:sections", args=[clp.slug])).content.decode()
    assert "Save schedule" not in index and "Draft it" not in index


@pytest.mark.parametrize("who", ["member", "outsider", "other_tulo"])
def test_others_get_403(client, clp, section, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in reads(clp):
        assert client.get(url).status_code == 403, url
    for url, data in writes(clp):
        assert client.post(url, data).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, clp, section):
    for url in reads(clp):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url, data in writes(clp):
        assert client.post(url, data)["Location"].startswith("/accounts/login/"), url


def test_a_month_that_was_never_drafted_or_does_not_exist_is_not_found(client, clp, tulo):
    client.force_login(tulo)
    assert client.get(f"/c/{clp.slug}/newsletter/2026-10/").status_code == 404
    assert client.get(f"/c/{clp.slug}/newsletter/2026-13/").status_code == 404


def test_another_clps_section_is_not_found_through_this_clp(client, clp, tulo, other_clp):
    services.section_build(clp=other_clp, month=MONTH, notify=False)
    client.force_login(tulo)
    assert client.get(reverse("newsletters:section", args=[clp.slug, MONTH])).status_code == 404


def grow(clp, section, *, versions: int, other_clps: int) -> None:
    """A long history: many versions of the section and many other CLPs' sections."""
    for number in range(2, versions + 1):
        NewsletterSectionVersionFactory(
            section=section, number=number, source="edited", markdown=f"Version {number}."
        )
    for _ in range(other_clps):
        NewsletterSectionVersionFactory(section__month=MONTH)  # another CLP's, of this month
    for n in range(24):
        NewsletterSectionFactory(clp=clp, month=datetime.date(2024 + n // 12, 1 + n % 12, 1))


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_section_page_has_a_pinned_query_count(
    client, clp, tulo, section, size, django_assert_num_queries
):
    if size == "large":
        grow(clp, section, versions=45, other_clps=10)
    client.force_login(tulo)
    url = reverse("newsletters:section", args=[clp.slug, MONTH])
    # Session, user, CLP, membership, section, latest version, a page of versions, schedule.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_copy_out_and_index_pages_have_pinned_query_counts(
    client, clp, executive, section, size, django_assert_num_queries
):
    if size == "large":
        grow(clp, section, versions=45, other_clps=10)
    client.force_login(executive)
    # Session, user, CLP, membership, section, the version.
    with django_assert_num_queries(6):
        assert (
            client.get(reverse("newsletters:section_copy", args=[clp.slug, MONTH])).status_code
            == 200
        )
    # Session, user, CLP, membership, schedule, a page of months.
    with django_assert_num_queries(6):
        assert client.get(reverse("newsletters:sections", args=[clp.slug])).status_code == 200
