"""The solidarity report against figures worked out by hand from a fixed data set."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from pickets.models import VisitStatus
from pickets.selectors import solidarity_report

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    PicketInvitationFactory,
    PicketLineFactory,
    PicketVisitFactory,
    RepresentativeAttendanceFactory,
    SolidarityActionFactory,
    UnionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
Q1 = (D(2026, 1, 1), D(2026, 3, 31))


@pytest.fixture
def data(clp, other_clp):
    cwu, unison = UnionFactory(short_name="CWU"), UnionFactory(short_name="UNISON")
    royal_mail = DisputeFactory(title="Royal Mail", unions=[cwu], status="won")
    hospital = DisputeFactory(title="Hospital", unions=[unison], status="taking_action")
    sam, priya = UserFactory(), UserFactory()

    def visit(dispute, date, count, members=(), reps=(), status=VisitStatus.CONFIRMED, on=clp):
        return PicketVisitFactory(
            clp=on,
            dispute=dispute,
            date=date,
            members_count=count,
            status=status,
            members=members,
            representatives=reps,
        )

    # In Q1, confirmed: the first and last days count.
    visit(royal_mail, D(2026, 1, 1), 5, [sam, priya], [("Diane Abbott", "mp")])
    visit(
        royal_mail, D(2026, 3, 31), 3, [sam], [("Cllr A", "councillor"), ("Cllr B", "councillor")]
    )
    visit(hospital, D(2026, 2, 14), 4, [priya])
    # Left out: outside the period, not confirmed, another CLP's.
    visit(royal_mail, D(2025, 12, 31), 9, [sam], [("Diane Abbott", "mp")])
    visit(royal_mail, D(2026, 4, 1), 9)
    visit(hospital, D(2026, 2, 1), 7, status=VisitStatus.REPORTED)
    visit(hospital, D(2026, 2, 1), 11, on=other_clp)

    def action(kind, date, pence=None, dispute=None, union=None, fund="", on=clp):
        SolidarityActionFactory(
            clp=on,
            kind=kind,
            date=date,
            amount_pence=pence,
            dispute=dispute,
            union=union,
            fund_name=fund,
        )

    action("benefit_event", D(2026, 2, 20), 135000, royal_mail, cwu, "CWU hardship fund")
    action("money_raised", D(2026, 3, 31), 2550, royal_mail, cwu, "CWU hardship fund")
    action("donation", D(2026, 1, 10), 10000, hospital, unison, "UNISON strike fund")
    action("motion", D(2026, 1, 20), dispute=hospital)
    action("speaker", D(2026, 3, 1), union=unison)
    action("speaker", D(2026, 3, 2))
    action("message", D(2026, 2, 2), dispute=royal_mail)
    action("donation", D(2026, 4, 1), 99900, hospital, unison, "UNISON strike fund")  # outside
    action("donation", D(2026, 2, 1), 77700, hospital, unison, "X", on=other_clp)  # other CLP
    return {"royal_mail": royal_mail, "hospital": hospital}


def test_report_totals_match_the_hand_count(clp, data):
    report = solidarity_report(clp=clp, start=Q1[0], end=Q1[1])
    assert report.visits == 3
    assert report.attendances == 5 + 3 + 4
    assert report.distinct_members == 2
    assert report.representative_visits == 3
    assert report.representatives_by_office == {"mp": 1, "councillor": 2}
    assert report.money_pence == 135000 + 2550 + 10000
    assert report.money_by_fund == [
        ("CWU hardship fund", "CWU", 137550),
        ("UNISON strike fund", "UNISON", 10000),
    ]
    assert (report.speakers, report.motions, report.messages) == (2, 1, 1)
    assert report.disputes_supported == 2
    assert [d.title for d in report.disputes_won] == ["Royal Mail"]
    rows = {r.dispute.title: r for r in report.per_dispute}
    assert (rows["Royal Mail"].visits, rows["Royal Mail"].attendances) == (2, 8)
    assert (rows["Royal Mail"].representatives, rows["Royal Mail"].money_pence) == (3, 137550)
    assert (rows["Hospital"].visits, rows["Hospital"].money_pence) == (1, 10000)
    months = [(m.month, m.visits, m.attendances, m.money_pence) for m in report.months]
    assert months == [
        (D(2026, 1, 1), 1, 5, 10000),
        (D(2026, 2, 1), 1, 4, 135000),
        (D(2026, 3, 1), 1, 3, 2550),
    ]


def test_a_period_of_one_day_at_the_edge(clp, data):
    report = solidarity_report(clp=clp, start=D(2026, 3, 31), end=D(2026, 3, 31))
    assert (report.visits, report.attendances, report.money_pence) == (1, 3, 2550)


def test_an_empty_period_reads_as_zero(clp, data):
    report = solidarity_report(clp=clp, start=D(2020, 1, 1), end=D(2020, 1, 31))
    assert (report.visits, report.money_pence, report.disputes_supported) == (0, 0, 0)
    assert report.per_dispute == []


def test_report_page_and_csv_for_the_executive(client, executive, clp, data):
    client.force_login(executive)
    query = "?period=custom&start=2026-01-01&end=2026-03-31"
    page = client.get(reverse("pickets:report", args=[clp.slug]) + query).content.decode()
    assert "£1,475.50" in page
    assert "Royal Mail" in page
    response = client.get(reverse("pickets:report_csv", args=[clp.slug]) + query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "dispute"
    assert ["Royal Mail", rows[1][1], "Won", "2", "8", "3", "1375.50", "3"] == rows[1]


def test_csv_neutralises_formulas(client, tulo, clp):
    dispute = DisputeFactory(title='=HYPERLINK("http://evil")')
    PicketVisitFactory(clp=clp, dispute=dispute, date=D(2026, 2, 1), members_count=1)
    client.force_login(tulo)
    query = "?period=custom&start=2026-01-01&end=2026-03-31"
    body = client.get(reverse("pickets:report_csv", args=[clp.slug]) + query).content.decode()
    assert "'=HYPERLINK" in body


def test_bad_dates_say_what_to_fix(client, tulo, clp):
    client.force_login(tulo)
    query = "?period=custom&start=2026-03-31&end=2026-01-01"
    page = client.get(reverse("pickets:report", args=[clp.slug]) + query).content.decode()
    assert "The end date is before the start date" in page


@pytest.mark.parametrize("visits", [3, 40])
def test_report_query_count_does_not_grow(
    client, tulo, clp, data, visits, django_assert_num_queries
):
    for i in range(visits):
        visit = PicketVisitFactory(
            clp=clp,
            dispute=data["hospital"],
            date=D(2026, 1, 1) + datetime.timedelta(days=i),
            members_count=2,
        )
        # Every third visit's day had a representative invited, who came.
        if i % 3 == 0:
            day = ActionDayFactory(dispute=data["hospital"], date=visit.date)
            line = PicketLineFactory(clp=clp, dispute=data["hospital"], action_days=[day])
            invitation = PicketInvitationFactory(picket_line=line)
            RepresentativeAttendanceFactory(visit=visit, representative=invitation.representative)
    client.force_login(tulo)
    query = "?period=custom&start=2026-01-01&end=2026-03-31"
    # Three of them the representatives invited to the period's picket lines, and who came.
    with django_assert_num_queries(20):
        client.get(reverse("pickets:report", args=[clp.slug]) + query)
