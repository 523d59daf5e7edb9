from django.urls import path

from . import public_views

app_name = "pickets_public"

urlpatterns = [
    path("c/<slug:clp_slug>/calendar/", public_views.calendar, name="calendar"),
    path("c/<slug:clp_slug>/calendar/map/", public_views.calendar_map, name="calendar_map"),
]
