"""Importing disputes: each row a title, an employer, its unions and, if given, a workplace.

A dispute already recorded (the same title at the same employer) is skipped. An employer or a
workplace not yet recorded is added, once however many rows name it.
"""

import difflib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models.functions import Lower

from clps.models import User
from clps.postcodes import is_postcode, normalise_postcode, postcode_district

from ..models import Dispute, DisputeStatus, Employer, Issue, Union, Workplace
from .parsing import choice_lookup, parse_yes_no, quoted, within_limit
from .plan import ImportInvalid, Plan, Progress


@dataclass
class DisputeRow:
    line: int
    title: str
    employer_name: str
    employer: Employer | None
    unions: list[Union]
    status: str
    is_national: bool
    issues: list[str]
    demands: str
    hardship_fund_url: str
    workplace_name: str
    workplace: Workplace | None
    postcode: str
    workers: str
    about: str


def check(plan: Plan, rows: list[tuple[int, dict]], progress: Progress | None) -> None:
    unions = {u.short_name.lower(): u for u in Union.objects.all()}
    statuses = choice_lookup(DisputeStatus)
    issues = choice_lookup(Issue)
    url_ok = URLValidator(schemes=["http", "https"])
    employer_names = {values["employer"].lower() for _, values in rows}
    employers = {
        e.name.lower(): e
        for e in Employer.objects.annotate(name_lower=Lower("name")).filter(
            name_lower__in=employer_names
        )
    }
    existing = set(
        Dispute.objects.annotate(title_lower=Lower("title"), employer_lower=Lower("employer__name"))
        .filter(title_lower__in={values["title"].lower() for _, values in rows})
        .values_list("title_lower", "employer_lower")
    )
    workplaces = {
        (w.employer_id, w.name.lower()): w
        for w in Workplace.objects.annotate(name_lower=Lower("name")).filter(
            employer__in=employers.values(),
            name_lower__in={values["workplace"].lower() for _, values in rows},
        )
    }
    seen: dict[tuple, int] = {}
    for n, (line, values) in enumerate(rows, start=1):
        if progress and n % 100 == 0:
            progress(n)
        errors_before = plan.error_count
        title = within_limit(plan, line, "the title", values["title"], 200)
        if not title:
            plan.error(line, "the title is missing")
        employer_name = within_limit(plan, line, "the employer", values["employer"], 200)
        if not employer_name:
            plan.error(line, "the employer is missing")
        row_unions = []
        names = [name.strip() for name in values["unions"].split(";") if name.strip()]
        if not names:
            plan.error(line, "no union is given: name each by its short name, such as CWU;Unite")
        for name in names:
            if union := unions.get(name.lower()):
                row_unions.append(union)
                continue
            close = difflib.get_close_matches(name.lower(), unions, n=1)
            hint = f" (did you mean {unions[close[0]].short_name}?)" if close else ""
            plan.error(
                line,
                f"unknown union {quoted(name)}{hint}: use a union's short name, or add the "
                "union before importing",
            )
        status = statuses.get(values["status"].lower(), None)
        if not values["status"]:
            status = DisputeStatus.BALLOTING
        elif status is None:
            plan.error(
                line,
                f"status {quoted(values['status'])} is not one of "
                f"{', '.join(DisputeStatus.values)}",
            )
        is_national, problem = parse_yes_no("national", values["national"])
        if problem:
            plan.error(line, problem)
        row_issues = []
        for name in (part.strip() for part in values["issues"].split(";")):
            if not name:
                continue
            if name.lower() in issues:
                row_issues.append(issues[name.lower()])
            else:
                plan.error(
                    line,
                    f"unknown issue {quoted(name)}: use any of {', '.join(Issue.values)}, "
                    "separated by ;",
                )
        url = values["hardship_fund_url"]
        if url:
            try:
                url_ok(url)
                if len(url) > 200:
                    raise ValidationError("too long")
            except ValidationError:
                plan.error(
                    line,
                    f"hardship_fund_url {quoted(url)} is not a web link: it should start "
                    "https:// (200 characters at most)",
                )
        workers = within_limit(plan, line, "who is in dispute", values["workers"], 200)
        about = within_limit(plan, line, "what it is over", values["about"], 200)
        workplace_name = within_limit(plan, line, "the workplace", values["workplace"], 200)
        postcode = values["postcode"]
        if postcode and not workplace_name:
            plan.error(line, "a postcode is given but no workplace: name the workplace too")
        elif postcode and not is_postcode(postcode):
            plan.error(line, f"postcode {quoted(postcode)} is not a UK postcode, like N16 7AA")
        key = (title.lower(), employer_name.lower())
        if title and employer_name and key in seen:
            plan.error(
                line,
                f"line {seen[key]} already has this dispute (the same title and employer): "
                "keep one of the two rows",
            )
        if plan.error_count != errors_before or status is None:  # an unknown status is one
            continue
        seen[key] = line
        if key in existing:
            plan.skip(line, f"{title} at {employer_name} is already recorded, so it is skipped")
            continue
        employer = employers.get(employer_name.lower())
        plan.items.append(
            DisputeRow(
                line=line,
                title=title,
                employer_name=employer_name,
                employer=employer,
                unions=row_unions,
                status=status,
                is_national=is_national,
                issues=row_issues,
                demands=values["demands"],
                hardship_fund_url=url,
                workplace_name=workplace_name,
                workplace=(
                    workplaces.get((employer.pk, workplace_name.lower())) if employer else None
                ),
                postcode=normalise_postcode(postcode) if postcode else "",
                workers=workers,
                about=about,
            )
        )

    listed = [
        {
            "line": row.line,
            "title": row.title,
            "employer": row.employer_name,
            "new_employer": row.employer is None,
            "unions": ", ".join(u.short_name for u in row.unions),
            "status": DisputeStatus(row.status).label,
            "workplace": row.workplace_name,
            "new_workplace": bool(row.workplace_name) and row.workplace is None,
        }
        for row in plan.items[:100]
    ]
    new_employers = sorted({row.employer_name for row in plan.items if row.employer is None})
    plan.summary = {
        "create": len(plan.items),
        "disputes": listed,
        "more": max(len(plan.items) - len(listed), 0),
        "new_employers": new_employers,
    }


def write(plan: Plan, user: User | None, progress: Progress | None) -> None:
    new_employers: dict[str, Employer] = {}
    new_workplaces: dict[tuple, Workplace] = {}
    done = plan.skipped_count
    for row in plan.items:
        try:
            employer = row.employer or new_employers.get(row.employer_name.lower())
            if employer is None:
                employer = Employer(name=row.employer_name)
                employer._history_user = user
                employer.full_clean()
                employer.save()
                new_employers[row.employer_name.lower()] = employer
            dispute = Dispute(
                title=row.title,
                employer=employer,
                status=row.status,
                is_national=row.is_national,
                issues=row.issues,
                demands=row.demands,
                hardship_fund_url=row.hardship_fund_url,
                workers=row.workers,
                about=row.about,
            )
            dispute._history_user = user
            dispute.full_clean()
            dispute.save()
            dispute.unions.set(row.unions)
            if row.workplace_name:
                key = (employer.pk, row.workplace_name.lower())
                workplace = row.workplace or new_workplaces.get(key)
                if workplace is None:
                    # Written here, like the employer and the dispute, not by
                    # services.workplace_save: services imports this package. The postcode was
                    # normalised when the row was checked.
                    workplace = Workplace(
                        employer=employer,
                        name=row.workplace_name,
                        postcode=row.postcode,
                        postcode_district=postcode_district(row.postcode),
                    )
                    workplace._history_user = user
                    workplace.full_clean()
                    workplace.save()
                    new_workplaces[key] = workplace
                dispute.workplaces.add(workplace)
        except ValidationError as exc:
            plan.error(row.line, "; ".join(exc.messages))
            raise ImportInvalid(plan) from exc
        done += 1
        if progress:
            progress(done)
