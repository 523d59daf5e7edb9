"""Personal data goes when it has served its purpose: picket sign-ups 90 days after the strike
day, trip leaders' links 90 days after the line's last day, unconfirmed email sign-ups after
30 days, expired sessions. The hourly tick runs it all."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from clps.models import AuditAction, AuditEvent
from newsletters.models import Subscriber
from pickets.models import LeadLink, PicketLine, PicketSignup
from pickets.personal_data import (
    LEAD_LINK_RETENTION,
    PENDING_SIGNUP_RETENTION,
    SIGNUP_RETENTION,
    lead_links_delete_old,
    pending_signups_delete_old,
    signups_delete_old,
)
from privacy.retention import retention_run
from tuliaison.tasks import due_jobs

from ..factories import (
    ActionDayFactory,
    LeadLinkFactory,
    MembershipFactory,
    PicketSignupFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db

LONDON = datetime.timezone(datetime.timedelta(hours=1))  # BST, as on a summer evening


def sign_up(line: PicketLine, user) -> PicketSignup:
    return PicketSignupFactory(picket_line=line, action_day=line.action_days.get(), user=user)


def test_sign_ups_go_90_days_after_the_strike_day_london_time(clp, member, line_on):
    assert datetime.timedelta(days=90) == SIGNUP_RETENTION
    # 00:30 on 1 July in London is still 30 June in UTC: the day counted is London's.
    now = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)
    old = sign_up(line_on(datetime.date(2026, 4, 1)), member)  # 91 days before 1 July
    edge = sign_up(line_on(datetime.date(2026, 4, 2)), member)  # 90 days: kept one more day
    recent = sign_up(line_on(datetime.date(2026, 6, 30)), member)

    assert signups_delete_old(now=now) == 1
    assert signups_delete_old(now=now) == 0  # a second run does no harm
    left = set(PicketSignup.objects.values_list("pk", flat=True))
    assert old.pk not in left and left == {edge.pk, recent.pk}
    event = AuditEvent.objects.get(action=AuditAction.SIGNUPS_EXPIRED)
    assert (event.clp, event.count, event.actor) == (clp, 1, None)

    assert signups_delete_old(now=now + datetime.timedelta(days=1)) == 1
    assert set(PicketSignup.objects.values_list("pk", flat=True)) == {recent.pk}


def test_lead_links_go_90_days_after_the_lines_last_day(line_on):
    assert datetime.timedelta(days=90) == LEAD_LINK_RETENTION
    today = timezone.localdate()
    done = line_on(today - datetime.timedelta(days=91))
    LeadLinkFactory(picket_line=done, label="Jo, trip leader")
    running = line_on(today - datetime.timedelta(days=200))
    running.action_days.add(ActionDayFactory(dispute=running.dispute, date=today))
    kept = LeadLinkFactory(picket_line=running, label="Sam")

    assert lead_links_delete_old() == 1
    assert list(LeadLink.objects.all()) == [kept]


def test_the_hourly_tick_runs_every_retention_rule(clp, member, line_on, eager):
    now = timezone.now()
    old_signup = sign_up(line_on(timezone.localdate() - datetime.timedelta(days=120)), member)
    pending = SubscriberFactory(clp=clp, status="pending")
    long_ago = now - datetime.timedelta(days=31)
    Subscriber.objects.filter(pk=pending.pk).update(created_at=long_ago, consent_at=long_ago)
    confirmed = SubscriberFactory(clp=clp)
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=now - datetime.timedelta(minutes=1)
    )

    on_the_hour = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    assert due_jobs(on_the_hour)["retention"] == 1

    assert not PicketSignup.objects.filter(pk=old_signup.pk).exists()
    assert list(Subscriber.objects.all()) == [confirmed]
    assert not Session.objects.exists()
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        AuditAction.SIGNUPS_EXPIRED,
        AuditAction.PENDING_EXPIRED,
    }


def test_off_the_hour_nothing_is_deleted(clp, member, line_on, eager):
    old_signup = sign_up(line_on(timezone.localdate() - datetime.timedelta(days=120)), member)
    due_jobs(datetime.datetime(2026, 11, 23, 9, 1, tzinfo=datetime.UTC))
    assert PicketSignup.objects.filter(pk=old_signup.pk).exists()


def test_retention_counts_what_it_deleted(clp, line_on):
    members = [MembershipFactory(clp=clp).user for _ in range(3)]
    line = line_on(timezone.localdate() - datetime.timedelta(days=100))
    for user in members:
        sign_up(line, user)
    assert retention_run() == {
        "join_requests": 0,
        "invitations": 0,
        "unconfirmed_subscriptions": 0,
        "picket_signups": 3,
        "lead_links": 0,
        "pending_picket_signups": 0,
        "outgoing_mail": 0,
    }
    assert AuditEvent.objects.get(action=AuditAction.SIGNUPS_EXPIRED).count == 3


def test_a_public_sign_up_never_confirmed_goes_after_30_days(clp, line_on):
    assert datetime.timedelta(days=30) == PENDING_SIGNUP_RETENTION
    line = line_on(timezone.localdate() + datetime.timedelta(days=60))
    day = line.action_days.get()
    stale = PicketSignupFactory(picket_line=line, action_day=day, public=True)
    fresh = PicketSignupFactory(picket_line=line, action_day=day, public=True)
    confirmed = PicketSignupFactory(
        picket_line=line, action_day=day, public=True, confirmed_at=timezone.now()
    )
    long_ago = timezone.now() - datetime.timedelta(days=31)
    PicketSignup.objects.filter(pk__in=[stale.pk, confirmed.pk]).update(created_at=long_ago)

    assert pending_signups_delete_old() == 1
    assert set(PicketSignup.objects.all()) == {fresh, confirmed}
    assert AuditEvent.objects.get(action=AuditAction.SIGNUPS_EXPIRED).count == 1
