"""Pages that bring several apps together: the TULO's dashboard."""

import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clps import selectors as clps_selectors
from clps.access import clp_view
from clps.models import CLP, Role
from clps.requests import MemberRequest
from newsletters.weekly.schedule import week_start
from newsletters.weekly.selectors import stopped_digest
from strikes import selectors as strikes_selectors
from strikes.ballot_law import assess

DASHBOARD_JOIN_REQUESTS = 10


@clp_view(Role.TULO)
def dashboard(request: MemberRequest, clp: CLP) -> HttpResponse:
    today = timezone.localdate()
    this_monday = week_start(today)
    next_sunday = this_monday + datetime.timedelta(days=13)
    rules = strikes_selectors.rule_sets()
    ids = strikes_selectors.clp_dispute_ids(clp)
    days = list(
        strikes_selectors.upcoming_action_days(
            clp=clp, start=today, end=next_sunday, dispute_ids=ids
        )
    )
    ballots = [
        (ballot, assess(ballot, rules))
        for ballot in strikes_selectors.ballots_closing(
            clp=clp, start=today, end=next_sunday, dispute_ids=ids
        )
    ]
    week_break = this_monday + datetime.timedelta(days=7)
    join_requests = clps_selectors.open_join_requests_page(
        clp=clp, cursor=None, size=DASHBOARD_JOIN_REQUESTS
    )
    return render(
        request,
        "dashboard.html",
        {
            "clp": clp,
            "today": today,
            "this_week": [d for d in days if d.date < week_break],
            "next_week": [d for d in days if d.date >= week_break],
            "ballots_closing": ballots,
            "mandates_expiring": strikes_selectors.mandates_expiring(
                clp=clp, today=today, rules=rules, dispute_ids=ids
            ),
            "stale": list(
                strikes_selectors.stale_disputes(
                    clp=clp, before=timezone.now() - datetime.timedelta(weeks=4), dispute_ids=ids
                )[:10]
            ),
            "has_districts": clp.districts.exists(),
            # A weekly email that stopped sending waits for the TULO, who may not have had the
            # email saying so if the email service itself is what failed.
            "stopped_digest": stopped_digest(clp=clp),
            "failed_mail": clps_selectors.failed_mail_count(clp=clp),
            # The oldest few; the people page has them all.
            "join_requests": join_requests.rows,
            "more_join_requests": join_requests.next_cursor is not None,
        },
    )
