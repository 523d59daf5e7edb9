from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.notice, name="notice"),
    path("privacy/requests/", views.site_requests, name="site_requests"),
    path("account/data/", views.my_data, name="my_data"),
    path("c/<slug:clp_slug>/privacy/", views.clp_notice, name="clp_notice"),
    path("c/<slug:clp_slug>/privacy/requests/", views.clp_requests, name="clp_requests"),
    path("c/<slug:clp_slug>/audit/", views.audit_log, name="audit_log"),
]
