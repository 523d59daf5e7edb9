from django.urls import path

from . import joining_views

app_name = "clps_public"

urlpatterns = [
    path("invitations/<str:token>/", joining_views.invitation, name="invitation"),
]
