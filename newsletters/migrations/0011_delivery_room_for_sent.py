"""Each page of deliveries keeps room for all its rows to be marked sent beside themselves.

A row grows from about 80 bytes when it is made to about 130 when marked sent (the time and
the email service's message id). Pages filled to half held more rows than their free half
could take again at that size, so about a quarter of the rows marked sent went to another page
and a new entry in every index. Filled to 35%, every one is a heap-only update."""

from importlib import import_module

from django.db import migrations

# The same operation as the migration before, with another percentage.
set_fillfactor = import_module(
    "newsletters.migrations.0010_delivery_heap_only_updates"
).set_fillfactor


class Migration(migrations.Migration):
    dependencies = [
        ("newsletters", "0010_delivery_heap_only_updates"),
    ]

    operations = [
        migrations.RunPython(set_fillfactor(35), set_fillfactor(50), elidable=False),
    ]
