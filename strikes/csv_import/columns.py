"""The two formats a TULO can import, column by column, and an example file of each."""

import csv
import datetime
import io

from django.utils import timezone

from ..models import CsvImportKind, DisputeStatus, Issue

# Each keyed by a kind's value: a CsvImportKind is one, and so is the kind a form or a job holds.
COLUMNS: dict[str, list[str]] = {
    CsvImportKind.ACTION_DAYS: ["dispute", "date", "kind", "start", "end", "note", "cancelled"],
    CsvImportKind.DISPUTES: [
        "title",
        "employer",
        "unions",
        "status",
        "national",
        "issues",
        "demands",
        "hardship_fund_url",
        "workplace",
        "postcode",
        "workers",
        "about",
    ],
}
REQUIRED: dict[str, list[str]] = {
    CsvImportKind.ACTION_DAYS: ["dispute", "date"],
    CsvImportKind.DISPUTES: ["title", "employer", "unions"],
}

# What each column holds, for the import page.
COLUMN_HELP: dict[str, list[tuple[str, str]]] = {
    CsvImportKind.ACTION_DAYS: [
        ("dispute", "The dispute's id, or its exact title."),
        ("date", "2026-03-14 or 14/03/2026."),
        ("kind", "strike or asos (action short of strike). Blank means strike."),
        ("start", "Start time, such as 07:00. Optional."),
        ("end", "End time, after the start. Optional."),
        ("note", "Up to 300 characters. Optional."),
        ("cancelled", "yes or no. Blank means no."),
    ],
    CsvImportKind.DISPUTES: [
        ("title", "What the dispute is called, up to 200 characters."),
        ("employer", "The employer's name; a new one is added."),
        ("unions", "Union short names, such as CWU;Unite. Each must already be recorded."),
        (
            "status",
            "One of " + ", ".join(DisputeStatus.values) + ". Blank means balloting.",
        ),
        ("national", "yes for a dispute across the country. Blank means no."),
        ("issues", "Any of " + ", ".join(Issue.values) + ", separated by ;"),
        ("demands", "What the workers are asking for. Optional."),
        ("hardship_fund_url", "A link to the hardship fund, starting https://. Optional."),
        ("workplace", "Where it is, such as Stoke Newington delivery office. Optional."),
        ("postcode", "The workplace's postcode, such as N16 7AA. Optional."),
        (
            "workers",
            "Who is in dispute, as the newsletter says it after the union's name, such as "
            "postal workers at Royal Mail's Stoke Newington delivery office. Optional.",
        ),
        ("about", "What the dispute is over, such as jobs and conditions. Optional."),
    ],
}


def example_csv(kind: str, today: datetime.date | None = None) -> str:
    """A small file in the format, with dates a few weeks ahead so it checks as it is."""
    today = today or timezone.localdate()
    monday = today + datetime.timedelta(days=28 - today.weekday())
    if kind == CsvImportKind.ACTION_DAYS:
        rows = [
            COLUMNS[kind],
            [
                "Royal Mail delivery office pay",
                monday.isoformat(),
                "strike",
                "07:00",
                "10:00",
                "Picket at the yard gate",
                "",
            ],
            ["Royal Mail delivery office pay", f"{monday + datetime.timedelta(days=1):%d/%m/%Y}"],
            [
                "Royal Mail delivery office pay",
                f"{monday + datetime.timedelta(days=7):%d/%m/%Y}",
                "asos",
                "",
                "",
                "Overtime ban",
                "no",
            ],
        ]
    else:
        rows = [
            COLUMNS[kind],
            [
                "Royal Mail delivery office pay",
                "Royal Mail",
                "CWU",
                "taking_action",
                "no",
                "pay;conditions",
                "A pay rise in line with inflation",
                "https://example.org/hardship-fund",
                "Stoke Newington delivery office",
                "N16 7AA",
                "postal workers at Royal Mail's Stoke Newington delivery office",
                "pay",
            ],
            ["Hospital cleaners' outsourcing", "Homerton Healthcare", "UNISON;GMB", "balloting"],
        ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row + [""] * (len(COLUMNS[kind]) - len(row)))
    return out.getvalue()
