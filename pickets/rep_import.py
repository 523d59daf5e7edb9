"""Importing the CLP's elected representatives from a CSV file, as disputes are imported: every
problem named by its line, and all or nothing.

Each row is a name and an office, with the ward or area, party, contact email and the dates
they hold office. Someone already on the list (the same name and office) is skipped; a row
that repeats an earlier one is a problem to fix.
"""

import csv
import datetime
import difflib
import io

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from clps.models import CLP
from strikes.csv_import import ImportInvalid, Plan, quoted, read_rows, within_limit
from strikes.csv_import.parsing import DATE_ISO_RE, DATE_UK_RE

from .models import Office, Representative
from .representatives import link_past_attendances, same_name

KIND = "representatives"
COLUMNS = ["name", "office", "area", "party", "email", "active_from", "active_until"]
REQUIRED = ["name", "office"]
COLUMN_HELP = [
    ("name", "As they are publicly known, up to 150 characters."),
    (
        "office",
        "MP, MS, MSP, mayor or councillor; for another office, other: and its name, such as "
        "other: London Assembly Member.",
    ),
    ("area", "The ward for a councillor; the constituency or area for others. Optional."),
    ("party", "Blank means Labour."),
    ("email", "Where invitations go. Only TULOs see it. Optional."),
    ("active_from", "The day they took office, 2026-05-07 or 07/05/2026. Optional."),
    ("active_until", "The day they left office. Blank while they hold it."),
]
OFFICE_WORDS = {
    "mp": Office.MP,
    "member of parliament": Office.MP,
    "ms": Office.MS,
    "member of the senedd": Office.MS,
    "msp": Office.MSP,
    "member of the scottish parliament": Office.MSP,
    "mayor": Office.MAYOR,
    "councillor": Office.COUNCILLOR,
    "cllr": Office.COUNCILLOR,
}
OFFICES_SAID = "MP, MS, MSP, mayor or councillor"


def parse_office(value: str) -> tuple[str | None, str, str | None]:
    """(office, its title for another office, problem)."""
    word = " ".join(value.split()).lower()
    if word in OFFICE_WORDS:
        return OFFICE_WORDS[word], "", None
    if word.startswith("other:"):
        title = " ".join(value.split(":", 1)[1].split())
        if not title:
            return None, "", "after other: write the office's name, such as London Assembly Member"
        if len(title) > 100:
            return None, "", f"the office's name is {len(title)} characters long: the most is 100"
        return Office.OTHER, title, None
    if not word:
        return None, "", f"the office is missing: write {OFFICES_SAID}"
    close = difflib.get_close_matches(word, OFFICE_WORDS, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (
        None,
        "",
        f"office {quoted(value)} is not one of {OFFICES_SAID}{hint}; for another office write "
        "other: and its name",
    )


def parse_day(column: str, value: str) -> tuple[datetime.date | None, str | None]:
    """A date they took or left office: any real date from 1900 to ten years ahead."""
    if match := DATE_ISO_RE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DATE_UK_RE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None, f"{column} {quoted(value)} is not a date: write it as 2026-05-07 or 07/05/2026"
    try:
        parsed = datetime.date(year, month, day)
    except ValueError:
        return None, f"{column} {quoted(value)} is not a real date"
    if not 1900 <= year <= timezone.localdate().year + 10:
        return None, f"{column} {quoted(value)} is not a year anyone held office: check the year"
    return parsed, None


def check(*, clp: CLP, text: str) -> Plan:
    """Every problem in the file by line, and the representatives it would add. Writes nothing."""
    plan = Plan(kind=KIND)
    rows = read_rows(plan, text, columns=COLUMNS, required=REQUIRED)
    existing = {
        (same_name(name), office)
        for name, office in Representative.objects.filter(clp=clp).values_list("name", "office")
    }
    seen: dict[tuple[str, str], int] = {}
    added: list[int] = []
    for line, values in rows:
        errors_before = plan.error_count
        name = " ".join(within_limit(plan, line, "the name", values["name"], 150).split())
        if not name:
            plan.error(line, "the name is missing")
        elif "<" in name or ">" in name or "://" in name:
            plan.error(line, "a name can't contain < or > or a web address: write just the name")
        office, title, problem = parse_office(values["office"])
        if problem:
            plan.error(line, problem)
        area = within_limit(plan, line, "the ward or area", values["area"], 150)
        party = within_limit(plan, line, "the party", values["party"], 100) or "Labour"
        email = values["email"]
        if email:
            try:
                validate_email(email)
                if len(email) > 254:
                    raise ValidationError("too long")
            except ValidationError:
                plan.error(
                    line, f"email {quoted(email)} is not an email address, like name@example.org"
                )
        dates: list[datetime.date | None] = []
        for column in ("active_from", "active_until"):
            day = None
            if values[column]:
                day, problem = parse_day(column, values[column])
                if problem:
                    plan.error(line, problem)
            dates.append(day)
        start, end = dates
        if start and end and end < start:
            plan.error(line, f"active_until {end} is before active_from {start}")
        if plan.error_count != errors_before or office is None:
            continue
        key = (same_name(name), office)
        if key in seen:
            plan.error(
                line,
                f"line {seen[key]} already has {name} as {office}: keep one of the two rows",
            )
            continue
        seen[key] = line
        if key in existing:
            plan.skip(line, f"{name} is already on the list, so this row is skipped")
            continue
        added.append(line)
        plan.items.append(
            Representative(
                clp=clp,
                name=name,
                office=office,
                office_title=title,
                area=" ".join(area.split()),
                party=party,
                email=email,
                active_from=start,
                active_until=end,
            )
        )
    plan.sort()
    if not plan.ok:
        plan.items = []
    plan.summary = {
        "create": len(plan.items),
        "representatives": [
            {"line": line, "described": rep.described}
            for line, rep in zip(added, plan.items, strict=True)
        ][:100]
        if plan.ok
        else [],
    }
    return plan


def import_apply(*, clp: CLP, text: str) -> Plan:
    """Check the file again and write it in one transaction: every row, or none. Raises
    ImportInvalid, having written nothing, if any row needs fixing."""
    try:
        with transaction.atomic():
            plan = check(clp=clp, text=text)
            if not plan.ok:
                raise ImportInvalid(plan)
            for rep in plan.items:
                rep.full_clean()
            Representative.objects.bulk_create(plan.items)
            link_past_attendances(representatives=plan.items)
    except ValidationError as exc:
        plan = Plan(kind=KIND)
        plan.error(None, "; ".join(exc.messages))
        raise ImportInvalid(plan) from exc
    except IntegrityError as exc:
        plan = Plan(kind=KIND)
        plan.error(
            None,
            "Some of these representatives were added by someone else while this import ran, "
            "so nothing was imported. Preview the file again: those already listed are skipped.",
        )
        raise ImportInvalid(plan) from exc
    return plan


def example_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(
        [
            COLUMNS,
            ["Jane Smith", "MP", "Hackney North and Stoke Newington", "", "", "", ""],
            ["Rosa Campbell", "mayor", "Hackney", "", "mayor@example.org", "2023-11-10", ""],
            ["Ali Khan", "councillor", "Clissold", "Labour", "ali.khan@example.org", "", ""],
            ["Nadia Rahman", "other: London Assembly Member", "North East", "", "", "", ""],
        ]
    )
    return out.getvalue()
