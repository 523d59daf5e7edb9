"""Visits recorded before the CLP kept a list of its representatives named them as typed text:
point each at the CLP's record where the name (whatever its case and spacing) and the office
agree. Names with no record stay as typed; adding the record later links them too
(pickets.representatives.link_past_attendances)."""

from django.db import migrations


def same_name(name: str) -> str:
    # As pickets.representatives.same_name, copied: a migration keeps the rule it ran with.
    return " ".join(name.split()).casefold()


def match(apps, schema_editor):
    Representative = apps.get_model("pickets", "Representative")
    Attendance = apps.get_model("pickets", "RepresentativeAttendance")
    records = {
        (clp_id, same_name(name), office): pk
        for pk, clp_id, name, office in Representative.objects.values_list(
            "pk", "clp_id", "name", "office"
        )
    }
    if not records:
        return
    unlinked = Attendance.objects.filter(representative__isnull=True).values_list(
        "pk", "visit__clp_id", "name", "office"
    )
    for pk, clp_id, name, office in unlinked.iterator():
        rep_id = records.get((clp_id, same_name(name), office))
        if rep_id is not None:
            Attendance.objects.filter(pk=pk).update(representative_id=rep_id)


class Migration(migrations.Migration):
    dependencies = [("pickets", "0005_representatives_and_invitations")]

    operations = [migrations.RunPython(match, migrations.RunPython.noop)]
