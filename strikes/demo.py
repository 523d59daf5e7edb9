"""Demo unions and disputes for `manage.py seed_demo`. Safe to run again: it converges."""

from django.db import transaction

from .models import Union

DEMO_UNIONS = [
    ("Communication Workers Union", "CWU", "https://www.cwu.org", True),
    ("Public and Commercial Services Union", "PCS", "https://www.pcs.org.uk", False),
    ("UNISON", "UNISON", "https://www.unison.org.uk", True),
    ("Unite the Union", "Unite", "https://www.unitetheunion.org", True),
    (
        "National Union of Rail, Maritime and Transport Workers",
        "RMT",
        "https://www.rmt.org.uk",
        False,
    ),
    ("GMB", "GMB", "https://www.gmb.org.uk", True),
    ("National Education Union", "NEU", "https://neu.org.uk", False),
]


@transaction.atomic
def seed() -> dict[str, Union]:
    unions = {}
    for name, short_name, website, affiliated in DEMO_UNIONS:
        union, _ = Union.objects.update_or_create(
            short_name=short_name,
            defaults={"name": name, "website": website, "affiliated_to_labour": affiliated},
        )
        unions[short_name] = union
    return unions
