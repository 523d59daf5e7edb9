"""The retention schedule: each app deletes what has been kept long enough, and the privacy
notice states the same periods the jobs apply."""

import datetime

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from clps.personal_data import OUTGOING_MAIL_DAYS, outgoing_mail_retention

from .registry import providers


def retention_periods() -> dict[str, int]:
    """Every period the privacy notice states, in days, as its template names them."""
    periods = {
        "session_days": round(settings.SESSION_COOKIE_AGE / 86400),
        "outgoing_mail_days": OUTGOING_MAIL_DAYS,
    }
    for provider in providers():
        periods.update(provider.notice())
    return periods


def retention_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every retention rule, each safe to repeat. Returns how many rows each deleted."""
    done: dict[str, int] = {}
    for provider in providers():
        done.update(provider.retention(now=now))
    done["outgoing_mail"] = outgoing_mail_retention(now=now)
    # Signed-out and timed-out sessions hold whose they were until deleted.
    SessionStore.clear_expired()
    return done
