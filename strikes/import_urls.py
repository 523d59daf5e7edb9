"""The TULO's CSV import of disputes and action days."""

app_name = "strikes_import"

urlpatterns: list = []
