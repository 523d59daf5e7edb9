"""Demo unions, disputes, ballots and action days for `manage.py seed_demo`.

Dates are placed around today so the demo always has this week's strikes. Running it again on
the same day changes nothing; on a later day it moves the demo's dates along.

One module, though over 400 lines: nearly half of it is the demo's data (the unions, workplaces and
disputes, with each dispute's story), read beside the code that places it in time.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clps.models import CLP
from clps.postcodes import postcode_district

from .ballot_law import assess
from .models import (
    ActionDay,
    ActionKind,
    Ballot,
    BallotRuleSet,
    Dispute,
    DisputeStatus,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)

DEMO_UNIONS = [
    ("Communication Workers Union", "CWU", "https://www.cwu.org", True),
    ("Public and Commercial Services Union", "PCS", "https://www.pcs.org.uk", False),
    ("UNISON", "UNISON", "https://www.unison.org.uk", True),
    ("Unite the Union", "Unite", "https://www.unitetheunion.org", True),
    (
        "National Union of Rail, Maritime and Transport Workers",
        "RMT",
        "https://www.rmt.org.uk",
        False,
    ),
    ("GMB", "GMB", "https://www.gmb.org.uk", True),
    ("National Education Union", "NEU", "https://neu.org.uk", False),
]

# name, employer, address, postcode, lat, lng
DEMO_WORKPLACES = [
    (
        "Stoke Newington Delivery Office",
        "Royal Mail Group",
        "High Street yard gate",
        "N16 0AA",
        "51.56270",
        "-0.07370",
    ),
    (
        "Homerton University Hospital",
        "Homerton Healthcare NHS Foundation Trust",
        "Homerton Row",
        "E9 6SR",
        "51.54690",
        "-0.04530",
    ),
    (
        "Clapton Community Mental Health Team",
        "East London NHS Foundation Trust",
        "Lower Clapton Road",
        "E5 8EQ",
        "51.55620",
        "-0.05560",
    ),
    (
        "Department for Work and Pensions, Caxton House",
        "Department for Work and Pensions",
        "Tothill Street",
        "SW1H 9NA",
        "51.49960",
        "-0.13320",
    ),
    (
        "Dalston data centre",
        "Northgate IT Services",
        "Dalston Lane",
        "E8 3DF",
        "51.54630",
        "-0.06840",
    ),
    (
        "Stoke Newington School",
        "Stoke Newington School and Sixth Form",
        "Clissold Road",
        "N16 9EX",
        "51.56050",
        "-0.08560",
    ),
    (
        "Hackney schools (borough-wide)",
        "London Borough of Hackney",
        "Hackney Town Hall, Mare Street",
        "E8 1EA",
        "51.54500",
        "-0.05560",
    ),
]


@dataclass
class DemoDispute:
    title: str
    unions: list[str]
    employer: str
    status: str
    issues: list[str]
    demands: str
    workplaces: list[str] = field(default_factory=list)
    is_national: bool = False
    outcome: str = ""
    fund: tuple[str, str] = ("", "")
    followed_by: list[str] = field(default_factory=list)
    # Who is in dispute and what over, as the newsletter's sentences say them.
    workers: str = ""
    about: str = ""


DEMO_DISPUTES = [
    DemoDispute(
        "Royal Mail: Stoke Newington delivery office",
        ["CWU"],
        "Royal Mail Group",
        DisputeStatus.TAKING_ACTION,
        ["jobs", "conditions"],
        "No compulsory redundancies; reverse the cut of two delivery routes; an end to bullying by management.",
        ["Stoke Newington Delivery Office"],
        fund=("CWU London Division hardship fund", "https://www.cwu.org/hardship-fund/"),
        workers="postal workers at Royal Mail's Stoke Newington delivery office",
        about="job cuts and bullying",
    ),
    DemoDispute(
        "Royal Mail national pay and conditions",
        ["CWU"],
        "Royal Mail Group",
        DisputeStatus.MANDATE_WON,
        ["pay", "conditions"],
        "A pay rise that matches inflation and no imposed changes to start times.",
        is_national=True,
        followed_by=["hackney-north", "hackney-south"],
        workers="postal workers across Royal Mail",
        about="pay and start times",
    ),
    DemoDispute(
        "Outsourced cleaners at DWP Caxton House",
        ["PCS"],
        "Department for Work and Pensions",
        DisputeStatus.TAKING_ACTION,
        ["pay", "outsourcing"],
        "The London Living Wage, full sick pay, and bringing cleaning back in-house.",
        ["Department for Work and Pensions, Caxton House"],
        fund=("PCS fighting fund", "https://www.pcs.org.uk/fighting-fund"),
        followed_by=["hackney-north"],
        workers="outsourced cleaners at the DWP's Caxton House",
        about="the London Living Wage and sick pay",
    ),
    DemoDispute(
        "Homerton hospital ancillary staff: back in-house",
        ["UNISON"],
        "Homerton Healthcare NHS Foundation Trust",
        DisputeStatus.BALLOTING,
        ["outsourcing", "pay"],
        "Porters, cleaners and caterers brought back into the NHS on Agenda for Change terms.",
        ["Homerton University Hospital"],
        followed_by=["hackney-north"],
        workers="porters, cleaners and caterers at Homerton hospital",
        about="bringing their jobs back into the NHS",
    ),
    DemoDispute(
        "Northgate IT: pay and pensions",
        ["Unite"],
        "Northgate IT Services",
        DisputeStatus.MANDATE_WON,
        ["pay", "pensions"],
        "Reverse the closure of the final salary pension scheme; a 6% pay rise.",
        ["Dalston data centre"],
        workers="IT staff at Northgate's Dalston data centre",
        about="pay and pensions",
    ),
    DemoDispute(
        "Mental health social workers: nine-week strike",
        ["UNISON"],
        "East London NHS Foundation Trust",
        DisputeStatus.TAKING_ACTION,
        ["pay", "conditions"],
        "A regrading to reflect the job, and safe caseloads.",
        ["Clapton Community Mental Health Team"],
        fund=("UNISON Hackney branch strike fund", "https://www.unison.org.uk/"),
        workers="mental health social workers in Clapton",
        about="grading and safe caseloads",
    ),
    DemoDispute(
        "Hackney schools support staff pay",
        ["NEU"],
        "London Borough of Hackney",
        DisputeStatus.BALLOTING,
        ["pay"],
        "A fully funded pay rise for teaching assistants and support staff.",
        ["Hackney schools (borough-wide)"],
        workers="teaching assistants and support staff in Hackney's schools",
    ),
    DemoDispute(
        "Stoke Newington School cleaners",
        ["GMB"],
        "Stoke Newington School and Sixth Form",
        DisputeStatus.WON,
        ["outsourcing", "pay"],
        "End outsourcing of cleaning; sick pay from day one.",
        ["Stoke Newington School"],
        outcome="Cleaning comes back in-house from September, with the London Living Wage and sick pay from day one.",
        workers="cleaners at Stoke Newington School",
        about="outsourcing",
    ),
]


def _weekday(monday: datetime.date, n: int, weeks: int = 0) -> datetime.date:
    return monday + datetime.timedelta(days=n + 7 * weeks)


def _ballot_closing_for_mandate_end(
    target: datetime.date, union: Union, dispute: Dispute, rules: list[BallotRuleSet]
) -> tuple[datetime.date, datetime.date, bool] | None:
    """Ballot dates (opens, closes, extension agreed) whose mandate ends on `target` under the
    rule set in force, so the demo always has a mandate running out soon."""
    for extension in (False, True):
        for length in (14, 21, 28, 31):
            for back in range(1, 400):
                closes = target - datetime.timedelta(days=back)
                probe = Ballot(
                    dispute=dispute,
                    union=union,
                    opens_on=closes - datetime.timedelta(days=length),
                    closes_on=closes,
                    entitled_to_vote=180,
                    votes_cast=117,
                    yes_votes=101,
                    no_votes=16,
                    extension_agreed=extension,
                )
                if assess(probe, rules).mandate_ends_on == target:
                    return probe.opens_on, closes, extension
    return None


@transaction.atomic
def seed(clps: dict[str, CLP] | None = None) -> dict[str, Union]:
    unions = {}
    for name, short_name, website, affiliated in DEMO_UNIONS:
        union, _ = Union.objects.update_or_create(
            short_name=short_name,
            defaults={"name": name, "website": website, "affiliated_to_labour": affiliated},
        )
        unions[short_name] = union
    if clps is None:
        return unions

    workplaces = {}
    for name, employer_name, address, postcode, lat, lng in DEMO_WORKPLACES:
        employer, _ = Employer.objects.get_or_create(name=employer_name)
        workplaces[name], _ = Workplace.objects.update_or_create(
            name=name,
            employer=employer,
            defaults={
                "address": address,
                "postcode": postcode,
                "postcode_district": postcode_district(postcode),
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
            },
        )

    disputes = {}
    for demo in DEMO_DISPUTES:
        employer, _ = Employer.objects.get_or_create(name=demo.employer)
        dispute, _ = Dispute.objects.update_or_create(
            title=demo.title,
            defaults={
                "employer": employer,
                "status": demo.status,
                "issues": demo.issues,
                "demands": demo.demands,
                "is_national": demo.is_national,
                "outcome": demo.outcome,
                "hardship_fund_name": demo.fund[0],
                "hardship_fund_url": demo.fund[1],
                "workers": demo.workers,
                "about": demo.about,
            },
        )
        dispute.unions.set([unions[u] for u in demo.unions])
        dispute.workplaces.set([workplaces[w] for w in demo.workplaces])
        for slug in demo.followed_by:
            FollowedDispute.objects.get_or_create(clp=clps[slug], dispute=dispute)
        disputes[demo.title] = dispute

    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    # The hospital dispute was entered early last month, when UNISON announced its ballot, so
    # the monthly section the demo drafts (last month's) has a dispute that began in it.
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    Dispute.objects.filter(
        pk=disputes["Homerton hospital ancillary staff: back in-house"].pk
    ).update(
        created_at=timezone.make_aware(
            datetime.datetime.combine(last_month.replace(day=3), datetime.time(10))
        )
    )
    seven, ten, eleven = datetime.time(7), datetime.time(10), datetime.time(11)

    days: dict[str, list[tuple]] = {
        "Royal Mail: Stoke Newington delivery office": [
            (_weekday(monday, 3), ActionKind.STRIKE, seven, ten, False),
            (_weekday(monday, 4), ActionKind.STRIKE, seven, ten, False),
            (_weekday(monday, 3, weeks=-2), ActionKind.STRIKE, seven, ten, False),
            (_weekday(monday, 1, weeks=1), ActionKind.STRIKE, seven, ten, True),
        ],
        "Royal Mail national pay and conditions": [
            (_weekday(monday, 0, weeks=2), ActionKind.STRIKE, None, None, False),
            (_weekday(monday, 1, weeks=2), ActionKind.ASOS, None, None, False),
        ],
        "Outsourced cleaners at DWP Caxton House": [
            (_weekday(monday, 1), ActionKind.STRIKE, datetime.time(6), eleven, False),
            (_weekday(monday, 2), ActionKind.STRIKE, datetime.time(6), eleven, False),
        ],
        "Mental health social workers: nine-week strike": [
            (_weekday(monday, n, weeks=w), ActionKind.STRIKE, datetime.time(8), eleven, False)
            for w in range(-3, 6)
            for n in range(5)
        ],
    }
    for title, dispute in disputes.items():
        wanted = {(d, k): (s, e, c) for d, k, s, e, c in days.get(title, [])}
        for action_day in ActionDay.objects.filter(dispute=dispute):
            if (action_day.date, action_day.kind) not in wanted:
                action_day.delete()
        for (date, kind), (start, end, cancelled) in wanted.items():
            ActionDay.objects.update_or_create(
                dispute=dispute,
                date=date,
                kind=kind,
                defaults={"start_time": start, "end_time": end, "cancelled": cancelled},
            )

    rules = list(BallotRuleSet.objects.all())
    cwu, unison, neu = unions["CWU"], unions["UNISON"], unions["NEU"]
    friday = _weekday(monday, 4)
    ballots = [
        # Turnout 72%, 91% yes: thresholds met.
        (
            disputes["Royal Mail: Stoke Newington delivery office"],
            cwu,
            {
                "opens_on": today - datetime.timedelta(days=70),
                "closes_on": today - datetime.timedelta(days=49),
                "entitled_to_vote": 250,
                "votes_cast": 180,
                "yes_votes": 164,
                "no_votes": 15,
                "spoilt": 1,
                "result_announced_on": today - datetime.timedelta(days=48),
            },
        ),
        (
            disputes["Royal Mail national pay and conditions"],
            cwu,
            {
                "opens_on": today - datetime.timedelta(days=60),
                "closes_on": today - datetime.timedelta(days=30),
                "entitled_to_vote": 95000,
                "votes_cast": 63650,
                "yes_votes": 60150,
                "no_votes": 3400,
                "spoilt": 100,
                "result_announced_on": today - datetime.timedelta(days=29),
            },
        ),
        # Closing this Friday, in a health service: no result yet.
        (
            disputes["Homerton hospital ancillary staff: back in-house"],
            unison,
            {
                "opens_on": friday - datetime.timedelta(days=21),
                "closes_on": friday,
                "entitled_to_vote": 420,
                "important_public_services": True,
            },
        ),
        (
            disputes["Mental health social workers: nine-week strike"],
            unison,
            {
                "opens_on": today - datetime.timedelta(days=90),
                "closes_on": today - datetime.timedelta(days=62),
                "entitled_to_vote": 64,
                "votes_cast": 51,
                "yes_votes": 49,
                "no_votes": 2,
                "important_public_services": True,
            },
        ),
        # The ballot that missed: 44% turnout, 88% yes.
        (
            disputes["Hackney schools support staff pay"],
            neu,
            {
                "opens_on": today - datetime.timedelta(days=35),
                "closes_on": today - datetime.timedelta(days=6),
                "entitled_to_vote": 1250,
                "votes_cast": 550,
                "yes_votes": 484,
                "no_votes": 66,
                "result_announced_on": today - datetime.timedelta(days=5),
            },
        ),
    ]
    unite_dispute = disputes["Northgate IT: pay and pensions"]
    found = _ballot_closing_for_mandate_end(
        today + datetime.timedelta(days=19), unions["Unite"], unite_dispute, rules
    )
    if found:
        opens, closes, extension = found
        ballots.append(
            (
                unite_dispute,
                unions["Unite"],
                {
                    "opens_on": opens,
                    "closes_on": closes,
                    "extension_agreed": extension,
                    "entitled_to_vote": 180,
                    "votes_cast": 117,
                    "yes_votes": 101,
                    "no_votes": 16,
                },
            )
        )
    for dispute, union, values in ballots:
        Ballot.objects.filter(dispute=dispute).exclude(union=union).delete()
        Ballot.objects.update_or_create(dispute=dispute, union=union, defaults=values)
    return unions
