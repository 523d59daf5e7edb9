"""The text of an invitation to a picket line as the app drafts it for one representative:
from the dispute (who is striking, over what, what they ask for), the picket line (where and
when) and the representative's own office and ward, signed by the TULO. The TULO edits it
before it goes (pickets.invitations)."""

import datetime

from clps.models import User
from strikes.ical import clock
from strikes.models import ActionDay, ActionKind

from .models import Office, PicketInvitation, PicketLine, Representative

SUBJECT_LENGTH = PicketInvitation._meta.get_field("subject").max_length


def day_name(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def days_listed(days: list[ActionDay]) -> str:
    names = [day_name(d.date) for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def who_is_striking(line: PicketLine) -> str:
    """'CWU postal workers at Royal Mail's Stoke Newington delivery office', from the dispute's
    `workers` phrase, or 'CWU members at Royal Mail'."""
    dispute = line.dispute
    unions = [u.short_name for u in dispute.unions.all()]
    workers = " ".join(dispute.workers.split()).removeprefix("the ")
    workers = workers or f"members at {dispute.employer.name}"
    names = " and ".join(unions)
    if not names or workers.lower().startswith(names.split()[0].lower()):
        return workers
    return f"{names} {workers}"


def over_what(line: PicketLine) -> str:
    about = " ".join(line.dispute.about.split()).rstrip(".").removeprefix("over ")
    if not about:
        labels = [label.lower() for label in line.dispute.issue_labels()]
        about = " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
    return f" over {about}" if about else ""


def salutation(rep: Representative) -> str:
    if rep.office == Office.COUNCILLOR and not rep.name.lower().startswith(("cllr", "councillor")):
        return f"Councillor {rep.name}"
    return rep.name


def role_sentence(rep: Representative) -> str:
    """Why this representative: their own office and where they hold it."""
    area = rep.area.strip()
    if rep.office == Office.COUNCILLOR:
        ward = area if area.lower().endswith("ward") else f"{area} ward"
        where = f"a councillor for {ward}" if area else "one of our councillors"
        return (
            f"As {where}, you know how much local people rely on workers like these, and your "
            "being there would mean a great deal to them."
        )
    if rep.office == Office.MP:
        where = f"the MP for {area}" if area else "our MP"
        return (
            f"As {where}, your being there would mean a great deal to them, and would be "
            "noticed well beyond the picket line."
        )
    if rep.office == Office.MAYOR:
        where = f"the Mayor of {area}" if area else "our mayor"
        return f"As {where}, you could show the whole borough that its leaders stand with them."
    if rep.office == Office.MS:
        where = f"the Member of the Senedd for {area}" if area else "our Member of the Senedd"
        return f"As {where}, your support would carry weight well beyond the picket line."
    if rep.office == Office.MSP:
        where = f"the MSP for {area}" if area else "our MSP"
        return f"As {where}, your support would carry weight well beyond the picket line."
    where = rep.office_label + (f" for {area}" if area else "")
    return f"As {where}, your support would mean a great deal to them."


def draft(
    *, representative: Representative, line: PicketLine, days: list[ActionDay], by: User
) -> tuple[str, str]:
    """The subject and text of an invitation for this representative, for the TULO to edit."""
    dispute = line.dispute
    striking = (
        "are on strike"
        if any(d.kind == ActionKind.STRIKE for d in days)
        else "are taking action short of a strike"
    )
    first = days[0].date
    subject = f"Will you join the picket line at {line.place} on {day_name(first)}?"
    paragraphs = [
        f"Dear {salutation(representative)},",
        f"{who_is_striking(line)} {striking}{over_what(line)}, and {line.clp.name} Labour Party "
        f"is supporting them on the picket line. {role_sentence(representative)} "
        "Would you join us?",
        f"Where: {line.where}\nWhen: {clock(line.start_time)} to {clock(line.end_time)}, "
        f"{days_listed(days)}\nMap: {line.map_url}",
    ]
    demands = " ".join(dispute.demands.split())
    if demands:
        paragraphs.append(f"What they are asking for: {demands}")
    paragraphs.append(
        "Please let us know whether you can come with the link below: one click, no account needed."
    )
    signature = "In solidarity,\n" + (by.name or by.email)
    signature += f"\nTrade Union Liaison Officer, {line.clp.name} CLP"
    paragraphs.append(signature)
    return subject[:SUBJECT_LENGTH], "\n\n".join(paragraphs)
