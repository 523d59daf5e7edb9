"""Public pages of the weekly email (no login): signing up, and the links in each email."""

import datetime

from django.urls import path, register_converter

from . import going, views
from .weekly import public_views as weekly_public


class DayConverter:
    """2026-11-30 in a URL, the date in the view; a day that does not exist is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)  # ValueError: no such day, so 404

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()


register_converter(DayConverter, "day")

app_name = "newsletters_public"

urlpatterns = [
    path("c/<slug:clp_slug>/subscribe/", views.subscribe, name="subscribe"),
    path(
        "c/<slug:clp_slug>/subscribe/check-your-email/",
        views.subscribe_sent,
        name="subscribe_sent",
    ),
    path("c/<slug:clp_slug>/emails/", weekly_public.archive, name="archive"),
    path("c/<slug:clp_slug>/emails/feed.atom", weekly_public.feed, name="archive_feed"),
    path(
        "c/<slug:clp_slug>/emails/<day:week_start>/",
        weekly_public.web_version,
        name="web_version",
    ),
    path("go/<str:token>/", going.go, name="go"),
    path("go/<str:token>/<int:line_id>/<int:day_id>/", going.go, name="go_day"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/confirm/", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
