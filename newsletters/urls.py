import datetime

from django.urls import path, register_converter

from .monthly import views as monthly_views
from .weekly import views as weekly_views


class YearMonthConverter:
    """2026-10 in a URL, 1 October 2026 in the view; a month that does not exist is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> datetime.date:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)  # ValueError: no such month, so 404

    def to_url(self, value: datetime.date) -> str:
        return f"{value.year:04d}-{value.month:02d}"


register_converter(YearMonthConverter, "yearmonth")

app_name = "newsletters"

urlpatterns = [
    path("weekly/", weekly_views.weekly, name="weekly"),
    path("weekly/preview/", weekly_views.preview, name="preview"),
    path("weekly/note/", weekly_views.save_note, name="save_note"),
    path("weekly/hold/", weekly_views.hold, name="hold"),
    path("weekly/test/", weekly_views.send_test, name="send_test"),
    path("weekly/schedule/", weekly_views.save_schedule, name="save_schedule"),
    path("weekly/<int:pk>/", weekly_views.digest_detail, name="digest"),
    path("weekly/<int:pk>/resume/", weekly_views.resume_digest, name="digest_resume"),
    path("newsletter/", monthly_views.sections, name="sections"),
    path("newsletter/schedule/", monthly_views.save_schedule, name="section_schedule"),
    path("newsletter/draft/", monthly_views.build, name="section_build"),
    path("newsletter/<yearmonth:month>/", monthly_views.section, name="section"),
    path("newsletter/<yearmonth:month>/preview/", monthly_views.preview, name="section_preview"),
    path("newsletter/<yearmonth:month>/save/", monthly_views.save, name="section_save"),
    path("newsletter/<yearmonth:month>/approve/", monthly_views.approve, name="section_approve"),
    path("newsletter/<yearmonth:month>/redraft/", monthly_views.redraft, name="section_redraft"),
    path("newsletter/<yearmonth:month>/copy/", monthly_views.copy_out, name="section_copy"),
    path(
        "newsletter/<yearmonth:month>/download/<str:fmt>/",
        monthly_views.download,
        name="section_download",
    ),
    path(
        "newsletter/<yearmonth:month>/versions/<int:number>/",
        monthly_views.version,
        name="section_version",
    ),
]
