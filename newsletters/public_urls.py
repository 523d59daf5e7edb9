"""Public pages of the weekly email (no login): signing up, and the links in each email."""

from django.urls import path

from . import views

app_name = "newsletters_public"

urlpatterns = [
    path("c/<slug:clp_slug>/subscribe/", views.subscribe, name="subscribe"),
    path(
        "c/<slug:clp_slug>/subscribe/check-your-email/",
        views.subscribe_sent,
        name="subscribe_sent",
    ),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("subscriptions/<str:token>/confirm/", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
