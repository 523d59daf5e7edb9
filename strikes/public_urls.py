"""Public pages (no login): a dispute's page and the iCalendar feeds.

The CLP's calendar and map pages, at c/<clp>/calendar/, are the pickets app's.
"""

from django.urls import path

from . import public_views

app_name = "strikes_public"

urlpatterns = [
    path("c/<slug:clp_slug>/calendar.ics", public_views.clp_calendar_ics, name="clp_ics"),
    path("disputes/<int:pk>/", public_views.dispute, name="dispute"),
    path("disputes/<int:pk>/calendar.ics", public_views.dispute_calendar_ics, name="dispute_ics"),
]
