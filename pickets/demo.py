"""Demo picket lines, visits and solidarity over the last 18 months, for `manage.py seed_demo`.
Safe to run again: it converges on the same records for the same day."""

import datetime

from django.db import transaction
from django.utils import timezone

from clps.models import CLP, User
from strikes.models import ActionDay, Dispute, Union

from .invitation_text import draft
from .models import (
    ActionType,
    Answer,
    Office,
    PicketInvitation,
    PicketLine,
    PicketSignup,
    PicketVisit,
    Representative,
    RepresentativeAttendance,
    SolidarityAction,
    VisitStatus,
)
from .representatives import link_past_attendances

MP = ("Jane Smith", Office.MP)
COUNCILLORS = [("Grace Mensah", Office.COUNCILLOR), ("Tom Hartley", Office.COUNCILLOR)]
# The CLP's list: (name, office, ward or area, contact email).
REPRESENTATIVES = [
    (*MP, "Hackney North and Stoke Newington", "mp@example.org"),
    ("Rosa Campbell", Office.MAYOR, "Hackney", "mayor@example.org"),
    (*COUNCILLORS[0], "Homerton", "grace.mensah@example.org"),
    (*COUNCILLORS[1], "Lea Bridge", "tom.hartley@example.org"),
    ("Nadia Rahman", Office.COUNCILLOR, "Stoke Newington", "nadia.rahman@example.org"),
    ("Ali Khan", Office.COUNCILLOR, "Clissold", ""),
]


def seed_representatives(clp: CLP, line: PicketLine, day: ActionDay | None, tulo: User) -> None:
    """The MP, the mayor and councillors by ward; visits that named them are linked to them,
    and the coming picket line has invitations with their answers."""
    reps = {}
    for name, office, area, email in REPRESENTATIVES:
        reps[name], _ = Representative.objects.update_or_create(
            clp=clp, name=name, office=office, defaults={"area": area, "email": email}
        )
    link_past_attendances(representatives=reps.values())
    if day is None:
        return
    answers = [
        ("Jane Smith", Answer.YES),
        ("Rosa Campbell", ""),
        ("Grace Mensah", Answer.NO),
        ("Nadia Rahman", Answer.MORE),
    ]
    for name, answer in answers:
        rep = reps[name]
        subject, body = draft(representative=rep, line=line, days=[day], by=tulo)
        invitation, _ = PicketInvitation.objects.update_or_create(
            picket_line=line,
            representative=rep,
            defaults={
                "clp": clp,
                "subject": subject,
                "body": body,
                "created_by": tulo,
                "sent_at": timezone.now() - datetime.timedelta(days=2),
                "answer": answer,
                "answer_day": day if answer == Answer.YES else None,
                "answered_at": timezone.now() - datetime.timedelta(days=1) if answer else None,
            },
        )
        invitation.action_days.set([day])


@transaction.atomic
def seed(clps: dict[str, CLP]) -> None:
    clp = clps["hackney-north"]
    today = timezone.localdate()
    delivery = Dispute.objects.get(title="Royal Mail: Stoke Newington delivery office")
    social = Dispute.objects.get(title="Mental health social workers: nine-week strike")
    cleaners = Dispute.objects.get(title="Stoke Newington School cleaners")
    dwp = Dispute.objects.get(title="Outsourced cleaners at DWP Caxton House")
    tulo = User.objects.get(email="tulo@example.org")
    member = User.objects.get(email="member@example.org")

    line, _ = PicketLine.objects.update_or_create(
        clp=clp,
        dispute=delivery,
        place="The yard gate on the high road",
        defaults={
            "workplace": delivery.workplaces.first(),
            "postcode": "N16 0AA",
            "start_time": datetime.time(7),
            "end_time": datetime.time(10),
            "is_local": True,
            "note": "Ask for Dave, the CWU rep. Bring the CLP banner.",
        },
    )
    days = list(
        ActionDay.objects.filter(dispute=delivery, date__gte=today - datetime.timedelta(days=21))
    )
    line.action_days.set(days)
    upcoming = [d for d in days if d.date >= today and not d.cancelled]
    if upcoming:
        for user in (member, tulo):
            PicketSignup.objects.get_or_create(
                picket_line=line,
                action_day=upcoming[0],
                user=user,
                defaults={"confirmed_at": timezone.now()},
            )

    social_line, _ = PicketLine.objects.update_or_create(
        clp=clp,
        dispute=social,
        place="Outside the Clapton community mental health team",
        defaults={
            "workplace": social.workplaces.first(),
            "postcode": "E5 8EQ",
            "start_time": datetime.time(8),
            "end_time": datetime.time(11),
            "is_local": True,
        },
    )
    social_line.action_days.set(ActionDay.objects.filter(dispute=social))

    # Visits across the last 18 months: a steady rhythm, the MP at two, councillors at some.
    plan = []
    for months_ago in range(18):
        date = today - datetime.timedelta(days=30 * months_ago + 3)
        dispute = [delivery, social, cleaners, dwp][months_ago % 4]
        plan.append((date, dispute, 2 + months_ago % 5))
    keep = []
    for i, (date, dispute, count) in enumerate(plan):
        visit, _ = PicketVisit.objects.update_or_create(
            clp=clp,
            dispute=dispute,
            date=date,
            defaults={
                "picket_line": line if dispute == delivery else None,
                "members_count": count,
                "banner": i % 2 == 0,
                "solidarity_message": i % 3 == 0,
                "report": "Good spirits on the line; drivers honked in support." if i % 2 else "",
                "status": VisitStatus.CONFIRMED,
                "reported_by": tulo,
                "confirmed_by": tulo,
            },
        )
        keep.append(visit.pk)
        visit.members.set([member] if i % 2 else [member, tulo])
        visit.representatives.all().delete()
        reps = []
        if i in (1, 6):
            reps.append(MP)
        if i % 3 == 0:
            reps.append(COUNCILLORS[i % 2])
        RepresentativeAttendance.objects.bulk_create(
            [RepresentativeAttendance(visit=visit, name=n, office=o) for n, o in reps]
        )
    seed_representatives(clp, line, upcoming[0] if upcoming else None, tulo)
    # One member's report waiting for the TULO.
    waiting, _ = PicketVisit.objects.update_or_create(
        clp=clp,
        dispute=delivery,
        date=today - datetime.timedelta(days=1),
        defaults={
            "picket_line": line,
            "members_count": 3,
            "banner": True,
            "report": "Three of us with the banner at the gate. Managers stayed inside.",
            "reported_by": member,
            "status": VisitStatus.REPORTED,
        },
    )
    keep.append(waiting.pk)
    PicketVisit.objects.filter(clp=clp).exclude(pk__in=keep).delete()

    cwu = Union.objects.get(short_name="CWU")
    unison = Union.objects.get(short_name="UNISON")
    wanted = [
        SolidarityAction(
            clp=clp,
            kind=ActionType.BENEFIT_EVENT,
            date=today - datetime.timedelta(days=12),
            title="Benefit gig at the Stoke Newington social club",
            dispute=delivery,
            union=cwu,
            amount_pence=135000,
            fund_name="CWU London Division hardship fund",
            fund_url="https://www.cwu.org/hardship-fund/",
            created_by=tulo,
        ),
        SolidarityAction(
            clp=clp,
            kind=ActionType.DONATION,
            date=today - datetime.timedelta(days=70),
            dispute=social,
            union=unison,
            amount_pence=25000,
            fund_name="UNISON Hackney branch strike fund",
            created_by=tulo,
        ),
        SolidarityAction(
            clp=clp,
            kind=ActionType.MONEY_RAISED,
            date=today - datetime.timedelta(days=40),
            title="Bucket collection at the all-members meeting",
            dispute=social,
            union=unison,
            amount_pence=41250,
            fund_name="UNISON Hackney branch strike fund",
            created_by=tulo,
        ),
        SolidarityAction(
            clp=clp,
            kind=ActionType.MESSAGE,
            date=today - datetime.timedelta(days=9),
            title="Solidarity message from the all-members meeting",
            dispute=delivery,
            created_by=tulo,
        ),
        SolidarityAction(
            clp=clp,
            kind=ActionType.MOTION,
            date=today - datetime.timedelta(days=40),
            title="Support the mental health social workers' strike",
            dispute=social,
            created_by=tulo,
        ),
        SolidarityAction(
            clp=clp,
            kind=ActionType.SPEAKER,
            date=today - datetime.timedelta(days=40),
            title="The UNISON branch secretary",
            union=unison,
            dispute=social,
            created_by=tulo,
        ),
    ]
    kept = []
    for action in wanted:
        fields = {
            f.name: getattr(action, f.name)
            for f in SolidarityAction._meta.concrete_fields
            if f.name not in ("id", "clp", "kind", "title", "created_at")
        }
        saved, _ = SolidarityAction.objects.update_or_create(
            clp=clp, kind=action.kind, title=action.title, defaults=fields
        )
        kept.append(saved.pk)
    SolidarityAction.objects.filter(clp=clp).exclude(pk__in=kept).delete()
