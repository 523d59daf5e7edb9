from django.urls import path

from . import weekly_views

app_name = "newsletters"

urlpatterns = [
    path("weekly/", weekly_views.weekly, name="weekly"),
    path("weekly/preview/", weekly_views.preview, name="preview"),
    path("weekly/note/", weekly_views.save_note, name="save_note"),
    path("weekly/hold/", weekly_views.hold, name="hold"),
    path("weekly/test/", weekly_views.send_test, name="send_test"),
    path("weekly/schedule/", weekly_views.save_schedule, name="save_schedule"),
    path("weekly/<int:pk>/", weekly_views.digest_detail, name="digest"),
]
