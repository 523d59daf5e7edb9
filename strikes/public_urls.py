"""Public pages (no login): the CLP's strike calendar, its map and iCalendar feeds."""

from django.urls import path

from . import public_views

app_name = "strikes_public"

urlpatterns = [
    path("c/<slug:clp_slug>/calendar/", public_views.calendar, name="calendar"),
    path("c/<slug:clp_slug>/calendar/map/", public_views.calendar_map, name="calendar_map"),
    path("c/<slug:clp_slug>/calendar.ics", public_views.clp_calendar_ics, name="clp_ics"),
    path("disputes/<int:pk>/", public_views.dispute, name="dispute"),
    path("disputes/<int:pk>/calendar.ics", public_views.dispute_calendar_ics, name="dispute_ics"),
]
