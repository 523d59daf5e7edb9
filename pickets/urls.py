from django.urls import path

from . import calendar_file, going, invited, lead_views, rep_views, report_views, views

app_name = "pickets"

urlpatterns = [
    path("pickets/", views.picket_lines, name="picket_lines"),
    path("pickets/new/", views.picket_line_choose_dispute, name="picket_line_choose"),
    path(
        "disputes/<int:dispute_pk>/pickets/new/",
        views.picket_line_create,
        name="picket_line_create",
    ),
    path("pickets/<int:pk>/", views.picket_line, name="picket_line"),
    path("pickets/<int:pk>/edit/", views.picket_line_edit, name="picket_line_edit"),
    path(
        "pickets/<int:pk>/days/<int:day_pk>.ics",
        calendar_file.picket_day_ics,
        name="picket_day_ics",
    ),
    path("pickets/<int:pk>/signup/", views.signup, name="signup"),
    path("pickets/<int:pk>/sign-up/", going.public_signup, name="public_signup"),
    path(
        "pickets/<int:pk>/sign-up/check-your-email/",
        going.public_signup_sent,
        name="public_signup_sent",
    ),
    path("pickets/<int:pk>/lead-links/", views.lead_link_create, name="lead_link_create"),
    path(
        "pickets/<int:pk>/lead-links/<int:link_pk>/revoke/",
        views.lead_link_revoke,
        name="lead_link_revoke",
    ),
    path("pickets/<int:pk>/invite/", rep_views.invite, name="invite"),
    path("pickets/<int:pk>/invitations/", rep_views.invitation_drafts, name="invitation_drafts"),
    path(
        "pickets/<int:pk>/invitations/<int:draft_pk>/remove/",
        rep_views.invitation_remove,
        name="invitation_remove",
    ),
    path("representatives/", rep_views.representative_list, name="representatives"),
    path("representatives/new/", rep_views.representative_form, name="representative_create"),
    path("representatives/<int:pk>/", rep_views.representative_form, name="representative"),
    path(
        "representatives/import/",
        rep_views.representatives_import,
        name="representatives_import",
    ),
    path(
        "representatives/import/apply/",
        rep_views.representatives_import_apply,
        name="representatives_import_apply",
    ),
    path(
        "representatives/import/template.csv",
        rep_views.representatives_template,
        name="representatives_template",
    ),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/confirm/", views.visit_confirm, name="visit_confirm"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("solidarity/", views.actions, name="actions"),
    path("solidarity/new/", views.action_form, name="action_create"),
    path("solidarity/<int:pk>/", views.action_form, name="action_edit"),
    path("report/", report_views.report, name="report"),
    path("report.csv", report_views.report_csv, name="report_csv"),
    path("report/pdf/", report_views.report_pdf_start, name="report_pdf_start"),
    path("report/pdf/<int:pk>/", report_views.report_pdf, name="report_pdf"),
    path(
        "report/pdf/<int:pk>/download/",
        report_views.report_pdf_download,
        name="report_pdf_download",
    ),
]

# Reached without a CLP in the URL: the secret is the whole key.
lead_urlpatterns = [
    path("lead/<str:token>/", lead_views.lead, name="lead"),
    path("lead/<str:token>/days/<int:day_pk>/came/", lead_views.came, name="came"),
    path("lead/<str:token>/days/<int:day_pk>/walk-in/", lead_views.walk_in, name="walk_in"),
    path("lead/<str:token>/days/<int:day_pk>/done/", lead_views.done, name="done"),
]

# The links in emails about a sign-up: the signed token is the whole key.
going_urlpatterns = [
    path("going/<str:token>/confirm/", going.confirm, name="confirm"),
    path("going/<str:token>/cancel/", going.cancel, name="cancel"),
]

# An elected representative's answer to an invitation: the signed token is the whole key.
invited_urlpatterns = [
    path("invited/<str:token>/", invited.answer, name="answer"),
]
