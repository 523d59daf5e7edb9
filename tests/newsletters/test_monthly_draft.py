"""The monthly union-updates section as drafted from the records: its figures for a month whose
edges are midnight in London across the clocks going back, an empty month, the column for the
local paper, and drafting more than once."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from newsletters.models import NewsletterSection, NewsletterSectionVersion, SectionSource
from newsletters.monthly.column import column_text, word_count
from newsletters.monthly.prose import draft_markdown
from newsletters.monthly.selectors import gather
from newsletters.monthly.services import section_build
from pickets.models import ActionType, Office, PicketVisit, VisitStatus
from strikes.models import Dispute

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    CLPFactory,
    DisputeFactory,
    EmployerFactory,
    FollowedDisputeFactory,
    PicketVisitFactory,
    PostcodeDistrictFactory,
    SolidarityActionFactory,
    UnionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
OCTOBER = datetime.date(2026, 10, 1)
LONG_AGO = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def dispute(clp, title, *, union, status="taking_action", created=LONG_AGO, **kwargs) -> Dispute:
    """A dispute the CLP follows, entered at `created`."""
    found = DisputeFactory(title=title, unions=[union], status=status, **kwargs)
    FollowedDisputeFactory(clp=clp, dispute=found)
    Dispute.objects.filter(pk=found.pk).update(created_at=created)
    Dispute.history.filter(id=found.pk).update(history_date=created)
    return found


def change_status(found: Dispute, status: str, when: datetime.datetime) -> None:
    """Change the status as a TULO would, recorded in the history as made at `when`."""
    found.status = status
    found.save()
    latest = Dispute.history.filter(id=found.pk).order_by("-history_id").first()
    Dispute.history.filter(history_id=latest.history_id).update(history_date=when)


def visit(clp, found, date, members, *, reps=(), status=VisitStatus.CONFIRMED) -> PicketVisit:
    return PicketVisitFactory(
        clp=clp,
        dispute=found,
        date=date,
        members_count=members,
        status=status,
        representatives=reps,
    )


def money(clp, date, pence, fund, union=None, kind=ActionType.MONEY_RAISED):
    return SolidarityActionFactory(
        clp=clp, kind=kind, date=date, amount_pence=pence, fund_name=fund, union=union
    )


@pytest.fixture
def october(clp, other_clp):
    """October 2026 for the CLP, with records just inside and just outside its edges. British
    Summer Time ends on 25 October, so the month starts at 23:00 UTC on 30 September and ends
    at midnight UTC on 31 October."""
    cwu = UnionFactory(short_name="CWU", name="Communication Workers Union")
    unison = UnionFactory(short_name="UNISON", name="UNISON")
    unite = UnionFactory(short_name="Unite", name="Unite the Union")
    neu = UnionFactory(short_name="NEU", name="National Education Union")

    # 00:30 BST on 1 October: October's, though it is still 30 September in UTC.
    dispute(
        clp,
        "Delivery office jobs",
        union=cwu,
        status="balloting",
        created=at(2026, 9, 30, 23, 30),
        issues=["jobs"],
        workers="postal workers at Royal Mail's Stoke Newington delivery office",
    )
    # 23:30 BST on 30 September: September's.
    dispute(clp, "Bus garage rotas", union=unite, created=at(2026, 9, 30, 22, 30))
    hospital = dispute(
        clp,
        "Homerton hospital cleaners",
        union=unison,
        outcome="Cleaning comes back in-house on NHS terms",
        workers="cleaners at Homerton hospital",
        about="outsourcing",
    )
    # 23:30 GMT on 31 October, after the clocks went back: still October.
    change_status(hospital, "won", at(2026, 10, 31, 23, 30))
    schools = dispute(
        clp,
        "Schools support staff",
        union=neu,
        status="balloting",
        workers="school support staff in Hackney",
        issues=["pay"],
    )
    change_status(schools, "taking_action", at(2026, 10, 15, 9, 0))
    # No phrase for who is in dispute: named from the union and the employer.
    libraries = dispute(
        clp,
        "Library closures",
        union=unison,
        employer=EmployerFactory(name="London Borough of Hackney"),
        about="library closures",
    )
    change_status(libraries, "called_off", at(2026, 10, 10, 12, 0))
    # 00:30 GMT on 1 November: November's.
    depot = dispute(clp, "Refuse depot pay", union=unite, employer=EmployerFactory(name="Veolia"))
    change_status(depot, "settled", at(2026, 11, 1, 0, 30))
    # Edited in October without a change of status: not news.
    quiet = dispute(clp, "Council pensions", union=unison, status="taking_action")
    change_status(quiet, "taking_action", at(2026, 10, 20, 12, 0))
    # Another CLP's dispute, won in October: not this CLP's news.
    elsewhere = DisputeFactory(title="Somewhere else entirely", unions=[unite])
    FollowedDisputeFactory(clp=other_clp, dispute=elsewhere)
    change_status(elsewhere, "won", at(2026, 10, 12, 12, 0))

    for day in (20, 21, 22):
        ActionDayFactory(dispute=schools, date=datetime.date(2026, 10, day))
    ActionDayFactory(dispute=schools, date=datetime.date(2026, 10, 23), cancelled=True)
    ActionDayFactory(dispute=schools, date=datetime.date(2026, 11, 3))
    ActionDayFactory(dispute=schools, date=datetime.date(2026, 11, 4))

    BallotFactory(
        dispute=schools,
        union=neu,
        opens_on=datetime.date(2026, 9, 7),
        closes_on=datetime.date(2026, 9, 28),
        result_announced_on=datetime.date(2026, 10, 5),
        entitled_to_vote=1000,
        votes_cast=620,
        yes_votes=550,
        no_votes=70,
    )
    BallotFactory(
        dispute=depot,
        union=unite,
        opens_on=datetime.date(2026, 9, 20),
        closes_on=datetime.date(2026, 10, 12),
        entitled_to_vote=400,
        votes_cast=160,
        yes_votes=150,
        no_votes=10,
    )
    BallotFactory(
        dispute=hospital,
        union=unison,
        opens_on=datetime.date(2026, 10, 20),
        closes_on=datetime.date(2026, 11, 10),
        entitled_to_vote=300,
    )
    BallotFactory(
        dispute=depot,
        union=unite,
        opens_on=datetime.date(2026, 11, 5),
        closes_on=datetime.date(2026, 11, 26),
        entitled_to_vote=500,
    )

    # Nine confirmed visits in October with 23 members, the MP at two and councillors at three.
    members = [3, 2, 4, 2, 3, 2, 3, 2, 2]
    for n, count in enumerate(members):
        reps = []
        if n in (0, 4):
            reps.append(("Diane Abbott", Office.MP))
        if n in (1, 2, 3):
            reps.append((f"Cllr {n}", Office.COUNCILLOR))
        visit(clp, schools, datetime.date(2026, 10, 1 + 3 * n), count, reps=reps)
    visit(clp, schools, datetime.date(2026, 9, 30), 10)  # September
    visit(clp, schools, datetime.date(2026, 11, 1), 10)  # November
    visit(clp, schools, datetime.date(2026, 10, 31), 10, status=VisitStatus.REPORTED)
    visit(other_clp, schools, datetime.date(2026, 10, 14), 40)

    money(clp, datetime.date(2026, 10, 1), 80_000, "Homerton cleaners' hardship fund", unison)
    money(clp, datetime.date(2026, 10, 31), 55_000, "CWU Stoke Newington strike fund", cwu)
    money(clp, datetime.date(2026, 11, 1), 99_900, "November's fund")
    money(other_clp, datetime.date(2026, 10, 14), 12_300, "Another CLP's fund")
    SolidarityActionFactory(
        clp=clp, kind=ActionType.SPEAKER, date=datetime.date(2026, 10, 8), title="the NEU rep"
    )
    SolidarityActionFactory(
        clp=clp,
        kind=ActionType.MOTION,
        date=datetime.date(2026, 10, 8),
        title="Back the school support staff",
    )
    SolidarityActionFactory(
        clp=clp,
        kind=ActionType.BENEFIT_EVENT,
        date=datetime.date(2026, 11, 14),
        title="A benefit gig at the social club",
    )
    return clp


def test_the_months_figures_read_as_prose(october):
    content = gather(clp=october, month=OCTOBER)
    text = draft_markdown(content)

    assert "## Union updates: October 2026" in text
    assert (
        "In October, 23 members of the CLP joined the picket line of NEU school support staff "
        "in Hackney nine times, with the MP at two and councillors at three." in text
    )
    assert (
        "We raised £1,350 for strike funds: £800 for the Homerton cleaners' hardship fund "
        "(UNISON) and £550 for the CWU Stoke Newington strike fund." in text
    )
    assert "The NEU rep spoke at a CLP meeting on 8 October." in text
    assert "The CLP passed a motion, “Back the school support staff”." in text


def test_disputes_land_in_the_month_of_their_london_date(october):
    content = gather(clp=october, month=OCTOBER)

    assert [d.title for d in content.started] == ["Delivery office jobs"]
    assert [(d.title, s) for d, s in content.wins] == [("Homerton hospital cleaners", "won")]
    assert [(d.title, s) for d, s in content.escalated] == [
        ("Schools support staff", "taking_action")
    ]
    assert [(d.title, s) for d, s in content.ended] == [("Library closures", "called_off")]
    assert [(d.title, days) for d, days in content.strike_days] == [
        ("Schools support staff", [datetime.date(2026, 10, d) for d in (20, 21, 22)])
    ]

    september = gather(clp=october, month=datetime.date(2026, 9, 1))
    assert [d.title for d in september.started] == ["Bus garage rotas"]
    november = gather(clp=october, month=datetime.date(2026, 11, 1))
    assert [(d.title, s) for d, s in november.wins] == [("Refuse depot pay", "settled")]


def test_the_draft_lists_wins_disputes_and_what_each_ballot_meant(october):
    text = draft_markdown(gather(clp=october, month=OCTOBER))

    # Each dispute is named by who is in it, where and over what; never by its title.
    assert (
        "- UNISON cleaners at Homerton hospital won their dispute over outsourcing. Cleaning "
        "comes back in-house on NHS terms." in text
    )
    assert (
        "- CWU postal workers at Royal Mail's Stoke Newington delivery office began a dispute "
        "over jobs; they are balloting for action." in text
    )
    # Began action and struck: one sentence, not two.
    assert (
        "- NEU school support staff in Hackney began action in their dispute over pay, striking "
        "from 20 to 22 October." in text
    )
    assert text.count("NEU school support staff in Hackney struck") == 0
    # With no phrase for who is in dispute, the union and the employer say it.
    assert (
        "- UNISON members at the London Borough of Hackney called off their dispute over "
        "library closures." in text
    )
    assert "Somewhere else entirely" not in text and "Council pensions" not in text
    for title in Dispute.objects.values_list("title", flat=True):
        assert title not in text
    assert (
        "NEU school support staff in Hackney voted 88.7% yes on a 62% turnout, clearing the "
        "50% turnout threshold. That gives them a mandate for industrial action until "
        "27 September 2027." in text
    )
    assert (
        "Unite members at Veolia voted 93.8% yes, but the 40% turnout fell short of the law's "
        "50% threshold, so the ballot gives no mandate for industrial action." in text
    )
    assert "(Judged under Great Britain: Employment Rights Act 2025.)" in text
    assert (
        "UNISON cleaners at Homerton hospital are voting until 10 November; the turnout must "
        "reach 50% for a mandate." in text
    )


def test_the_draft_says_what_is_coming_next_month_and_links_the_calendar(october, settings):
    text = draft_markdown(gather(clp=october, month=OCTOBER))
    coming = text.split("### Coming up in November", 1)[1]

    assert "- NEU school support staff in Hackney are due to strike on 3 and 4 November." in coming
    assert (
        "- Unite members at Veolia are due to vote from 5 to 26 November; the turnout must reach "
        "50% for a mandate." in coming
    )
    assert "- On 14 November we are holding a benefit gig at the social club." in coming
    site = settings.SITE_URL.rstrip("/")
    assert f"[our strike calendar]({site}/c/{october.slug}/calendar/)" in coming
    assert f"[sign up to the weekly email]({site}/c/{october.slug}/subscribe/)" in coming


def test_an_empty_month_reads_sensibly(clp):
    content = gather(clp=clp, month=datetime.date(2027, 2, 1))
    text = draft_markdown(content)

    assert content.is_empty
    assert "A quiet month in our records" in text
    assert "in February 2027." in text
    assert "Nothing is on the calendar for March yet" in text
    assert "### Ballots" not in text and "### Wins" not in text and "£" not in text
    column = column_text(content)
    assert "quiet month" in column and "#" not in column


def test_the_column_is_prose_of_at_most_400_words_however_busy_the_month(october):
    # A very busy month: forty more disputes started, each with strike days and a ballot.
    union = UnionFactory(short_name="GMB")
    for n in range(40):
        found = dispute(october, f"Care home {n} pay", union=union, created=at(2026, 10, 2, 9))
        ActionDayFactory(dispute=found, date=datetime.date(2026, 10, 5 + n % 20))
        BallotFactory(
            dispute=found,
            union=union,
            opens_on=datetime.date(2026, 9, 1),
            closes_on=datetime.date(2026, 10, 3),
            entitled_to_vote=100,
            votes_cast=60,
            yes_votes=50,
            no_votes=10,
        )
    content = gather(clp=october, month=OCTOBER)
    column = column_text(content)

    assert 350 <= word_count(column) <= 400
    lines = [line for line in column.splitlines() if line.strip()]
    assert not any(line.lstrip().startswith(("-", "#", "*", ">")) for line in lines)
    assert "**" not in column and "](" not in column
    # The win and what the CLP did stay in when the rest is cut.
    assert "UNISON cleaners at Homerton hospital won their dispute over outsourcing." in column
    assert (
        "23 members of the CLP joined the picket line of NEU school support staff in Hackney "
        "nine times" in column
    )
    assert "We raised £1,350" in column
    # Forty-one new disputes are told in one sentence, naming two.
    assert (
        "CWU postal workers at Royal Mail's Stoke Newington delivery office, GMB members at "
        in column
    )
    assert "and 39 others began new disputes." in column


def test_drafting_twice_gives_one_section(october):
    first, made = section_build(clp=october, month=OCTOBER)
    again, made_again = section_build(clp=october, month=datetime.date(2026, 10, 17))

    assert made and not made_again
    assert first.pk == again.pk
    assert NewsletterSection.objects.filter(clp=october).count() == 1
    version = NewsletterSectionVersion.objects.get(section=first)
    assert version.number == 1 and version.source == SectionSource.RECORDS
    assert (
        "23 members of the CLP joined the picket line of NEU school support staff in Hackney "
        "nine times" in version.markdown
    )
    assert (
        "23 members of the CLP joined the picket line of NEU school support staff in Hackney "
        "nine times" in version.column
    )


def test_the_command_drafts_once_and_says_where_to_see_it(october, capsys, settings):
    call_command("build_newsletter_section", "--clp", october.slug, "--month", "2026-10")
    first = capsys.readouterr().out
    call_command("build_newsletter_section", "--clp", october.slug, "--month", "2026-10")
    second = capsys.readouterr().out

    url = f"{settings.SITE_URL.rstrip('/')}/c/{october.slug}/newsletter/2026-10/"
    assert "Drafted the union updates for October 2026" in first and url in first
    assert "already drafted" in second and url in second
    assert NewsletterSection.objects.filter(clp=october).count() == 1


def test_the_command_names_what_is_wrong(clp):
    with pytest.raises(CommandError, match="No CLP with the slug 'nowhere'"):
        call_command("build_newsletter_section", "--clp", "nowhere", "--month", "2026-10")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("build_newsletter_section", "--clp", clp.slug, "--month", "October")
    with pytest.raises(CommandError, match="not a month"):
        call_command("build_newsletter_section", "--clp", clp.slug, "--month", "2026-13")


def test_a_local_dispute_counts_as_well_as_a_followed_one(clp):
    PostcodeDistrictFactory(clp=clp, district="N16")
    workplace = WorkplaceFactory(postcode="N16 7AA", postcode_district="N16")
    found = DisputeFactory(title="Local depot", workplaces=[workplace])
    Dispute.objects.filter(pk=found.pk).update(created_at=at(2026, 10, 9, 12))
    content = gather(clp=clp, month=OCTOBER)
    assert [d.title for d in content.started] == ["Local depot"]
    assert gather(clp=CLPFactory(), month=OCTOBER).started == []
