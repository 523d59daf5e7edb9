"""Public pages (no login): the CLP's strike calendar, its map and iCalendar feeds."""

app_name = "strikes_public"

urlpatterns: list = []
