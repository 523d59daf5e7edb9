from django.urls import path

from . import joining_views, views

app_name = "clps"

urlpatterns = [
    path("<slug:clp_slug>/", views.clp_home, name="home"),
    path("<slug:clp_slug>/join/", views.join, name="join"),
    path("<slug:clp_slug>/people/", views.people, name="people"),
    path(
        "<slug:clp_slug>/people/<int:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path(
        "<slug:clp_slug>/people/<int:membership_id>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("<slug:clp_slug>/people/invite/", joining_views.invite, name="invite"),
    path(
        "<slug:clp_slug>/people/invitations/<int:invitation_id>/revoke/",
        joining_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "<slug:clp_slug>/people/requests/<int:join_request_id>/approve/",
        joining_views.join_request_approve,
        name="join_request_approve",
    ),
    path(
        "<slug:clp_slug>/people/requests/<int:join_request_id>/decline/",
        joining_views.join_request_decline,
        name="join_request_decline",
    ),
    path("<slug:clp_slug>/settings/", views.settings_view, name="settings"),
    path("<slug:clp_slug>/outbox/", views.outbox_list, name="outbox"),
    path(
        "<slug:clp_slug>/outbox/<int:mail_id>/send-again/",
        views.outbox_send_again,
        name="outbox_send_again",
    ),
]
