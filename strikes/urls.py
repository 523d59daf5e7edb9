"""The TULO's pages over the shared records, reached from a CLP."""

from django.urls import path

from . import views

app_name = "strikes"

urlpatterns = [
    path("disputes/", views.dispute_list, name="dispute_list"),
    path("disputes/new/", views.dispute_create, name="dispute_create"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/edit/", views.dispute_edit, name="dispute_edit"),
    path("disputes/<int:pk>/follow/", views.dispute_follow, name="dispute_follow"),
    path("disputes/<int:pk>/ballots/new/", views.ballot_form, name="ballot_create"),
    path("disputes/<int:pk>/ballots/<int:ballot_pk>/", views.ballot_form, name="ballot_edit"),
    path("disputes/<int:pk>/days/new/", views.action_day_form, name="action_day_create"),
    path("disputes/<int:pk>/days/range/", views.action_days_range, name="action_days_range"),
    path("disputes/<int:pk>/days/<int:day_pk>/", views.action_day_form, name="action_day_edit"),
    path("records/", views.records, name="records"),
    path("records/<str:kind>/new/", views.record_form, name="record_create"),
    path("records/<str:kind>/<int:pk>/", views.record_form, name="record_edit"),
]
