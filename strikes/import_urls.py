"""The TULO's CSV import of disputes and action days."""

from django.urls import path

from . import import_views as views

app_name = "strikes_import"

urlpatterns = [
    path("", views.start, name="start"),
    path("apply/", views.apply, name="apply"),
    path("template/<str:kind>.csv", views.template, name="template"),
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
]
