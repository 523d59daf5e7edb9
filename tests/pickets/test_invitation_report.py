"""What came of the invitations, as the solidarity report and the monthly section say it:
"invited 4, came 2" and who, named as public office holders."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from newsletters.monthly.column import column_text
from newsletters.monthly.prose import draft_markdown
from newsletters.monthly.selectors import gather
from pickets.selectors import solidarity_report

from ..factories import (
    ActionDayFactory,
    DisputeFactory,
    FollowedDisputeFactory,
    PicketInvitationFactory,
    PicketLineFactory,
    PicketVisitFactory,
    RepresentativeAttendanceFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = D(2027, 3, 1)


@pytest.fixture
def march(clp, other_clp):
    """March 2027: four representatives invited to a picket line on the 18th; the MP and one
    councillor came (a confirmed visit names them), one councillor said yes and did not come, the
    mayor said no. A councillor invited to April's line, and another CLP's, do not count."""
    dispute = DisputeFactory(title="Refuse collection")
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    day = ActionDayFactory(dispute=dispute, date=D(2027, 3, 18))
    line = PicketLineFactory(clp=clp, dispute=dispute, action_days=[day])
    people = {
        "mp": RepresentativeFactory(clp=clp, name="Jane Smith", office="mp"),
        "mayor": RepresentativeFactory(clp=clp, name="Caroline Woodley", office="mayor"),
        "ali": RepresentativeFactory(clp=clp, name="Ali Khan"),
        "sem": RepresentativeFactory(clp=clp, name="Sem Moema"),
    }
    answers = {"mp": "yes", "mayor": "no", "ali": "yes", "sem": "yes"}
    for key, rep in people.items():
        answer = answers[key]
        PicketInvitationFactory(
            picket_line=line,
            representative=rep,
            answer=answer,
            answer_day=day if answer == "yes" else None,
        )
    visit = PicketVisitFactory(clp=clp, dispute=dispute, picket_line=line, date=day.date)
    for key in ("mp", "ali"):
        RepresentativeAttendanceFactory(
            visit=visit, representative=people[key], name=people[key].name
        )
    april = ActionDayFactory(dispute=dispute, date=D(2027, 4, 2))
    april_line = PicketLineFactory(clp=clp, dispute=dispute, action_days=[april])
    PicketInvitationFactory(picket_line=april_line, representative=people["sem"])
    theirs = PicketLineFactory(clp=other_clp, dispute=dispute, action_days=[day])
    PicketInvitationFactory(picket_line=theirs)
    return clp


def test_the_report_counts_invited_answered_and_who_came(march):
    tally = solidarity_report(clp=march, start=MARCH, end=D(2027, 3, 31)).invitations
    assert (tally.invited, tally.answered, tally.said_yes, tally.came) == (4, 4, 3, 2)
    assert [rep.styled for rep in tally.who_came] == ["Jane Smith MP", "Councillor Ali Khan"]


def test_the_report_page_and_csv_say_it(client, tulo, march):
    client.force_login(tulo)
    query = "?period=custom&start=2027-03-01&end=2027-03-31"
    page = client.get(reverse("pickets:report", args=[march.slug]) + query).content.decode()
    assert (
        "Elected representatives invited to picket lines: invited 4, answered 4, came 2: "
        "Jane Smith MP, Councillor Ali Khan." in page
    )
    body = client.get(reverse("pickets:report_csv", args=[march.slug]) + query).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert ["", "4", "4", "2", "Jane Smith MP; Councillor Ali Khan"] in rows


def test_the_monthly_section_counts_and_names_who_came(march):
    content = gather(clp=march, month=MARCH)
    expected = (
        "We invited four elected representatives to join us on picket lines, and two came: "
        "Jane Smith MP and Councillor Ali Khan."
    )
    assert expected in draft_markdown(content)
    assert expected in column_text(content)


def test_when_nobody_came_the_section_says_so_plainly(clp):
    dispute = DisputeFactory()
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    line = PicketLineFactory(
        clp=clp, dispute=dispute, action_days=[ActionDayFactory(dispute=dispute, date=MARCH)]
    )
    PicketInvitationFactory(picket_line=line, answer="no")
    text = draft_markdown(gather(clp=clp, month=MARCH))
    assert (
        "We invited one elected representative to join us on picket lines; none could come "
        "this time." in text
    )
