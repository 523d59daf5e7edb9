"""Reads over the shared records, as each CLP sees them."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from clps.models import CLP, PostcodeDistrict

from .models import ActionDay, Ballot, BallotRuleSet, Dispute, FollowedDispute, Union


def local_disputes_q(clp: CLP) -> Q:
    """Disputes at a workplace in one of the CLP's postcode districts."""
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    local = Dispute.workplaces.through.objects.filter(
        dispute_id=OuterRef("pk"), workplace__postcode_district__in=districts
    )
    return Q(Exists(local))


def followed_disputes_q(clp: CLP) -> Q:
    return Q(Exists(FollowedDispute.objects.filter(clp=clp, dispute_id=OuterRef("pk"))))


def clp_disputes(*, clp: CLP) -> QuerySet[Dispute]:
    """The disputes a CLP sees on its calendar and email: local ones and those it follows."""
    return Dispute.objects.filter(local_disputes_q(clp) | followed_disputes_q(clp))


def with_local_and_followed(qs: QuerySet[Dispute], *, clp: CLP) -> QuerySet[Dispute]:
    """Annotate is_local and is_followed for one CLP without a query per row."""
    districts = PostcodeDistrict.objects.filter(clp=clp).values("district")
    return qs.annotate(
        is_local=Exists(
            Dispute.workplaces.through.objects.filter(
                dispute_id=OuterRef("pk"), workplace__postcode_district__in=districts
            )
        ),
        is_followed=Exists(FollowedDispute.objects.filter(clp=clp, dispute_id=OuterRef("pk"))),
    )


def union_prefetch() -> Prefetch:
    return Prefetch("unions", queryset=Union.objects.order_by("short_name"))


def upcoming_action_days(
    *, clp: CLP, start: datetime.date, end: datetime.date, include_cancelled: bool = True
) -> QuerySet[ActionDay]:
    qs = ActionDay.objects.filter(
        date__gte=start,
        date__lte=end,
        dispute__in=clp_disputes(clp=clp).values("pk"),
    )
    if not include_cancelled:
        qs = qs.filter(cancelled=False)
    return (
        qs.select_related("dispute", "dispute__employer")
        .prefetch_related(Prefetch("dispute__unions", queryset=Union.objects.order_by("short_name")))
        .order_by("date", "start_time", "pk")
    )


def rule_sets() -> list[BallotRuleSet]:
    return list(BallotRuleSet.objects.all())


def ballots_closing(*, clp: CLP, start: datetime.date, end: datetime.date) -> QuerySet[Ballot]:
    return (
        Ballot.objects.filter(
            closes_on__gte=start, closes_on__lte=end, dispute__in=clp_disputes(clp=clp).values("pk")
        )
        .select_related("dispute", "union")
        .order_by("closes_on")
    )
