"""Deliveries change status without touching an index: the index that served claims by status
becomes one on (digest, batch), and on PostgreSQL each page of the table is filled to half, so
marking a delivery in flight or sent writes the new row version beside the old one (a heap-only
update) instead of a new entry in every index."""

from django.db import migrations, models


def set_fillfactor(percent: int):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(
                apps.get_model("newsletters", "Delivery")._meta.db_table
            )
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("newsletters", "0009_delivery_batch"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="delivery",
            name="newsletters_digest__51b4d1_idx",
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["digest", "batch"], name="delivery_digest_batch"),
        ),
        migrations.RunPython(set_fillfactor(50), set_fillfactor(100), elidable=False),
    ]
