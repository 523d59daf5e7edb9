"""The TULO's pages over the shared records, reached from a CLP."""

app_name = "strikes"

urlpatterns: list = []
