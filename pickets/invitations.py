"""Inviting the CLP's elected representatives to a picket line, and what came of it.

The TULO picks representatives and days on the picket line's page; each representative gets a
draft of their own, written from their office and ward, which the TULO edits and sends. The
text that goes is the TULO's as they left it. Each invitation carries a signed link
(pickets.links.ANSWER_LINKS) where the representative answers "I'll be there" on a day, "Can't
make it" or "Send me more" with one POST and no account. Those who said yes get a reminder the
evening before, through the outbox like members' reminders. Whether they came is read from the
CLP's confirmed visits that name them.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from clps.audit import record_event
from clps.models import CLP, AuditAction, User
from clps.outbox import claim_each, queue_email
from strikes.ical import clock
from strikes.models import ActionDay

from . import calendar_file
from .invitation_text import draft, salutation
from .links import answer_url
from .models import (
    OFFICE_ORDER,
    Answer,
    Office,
    PicketInvitation,
    PicketLine,
    Representative,
    RepresentativeAttendance,
    VisitStatus,
)

OBJECT_TYPE = "picket_invitation"


# Writes --------------------------------------------------------------------------------------


def invitable_days(line: PicketLine) -> list[ActionDay]:
    """The line's days a representative can still be asked to: to come, not cancelled."""
    return list(
        line.action_days.filter(date__gte=timezone.localdate(), cancelled=False).order_by("date")
    )


@transaction.atomic
def drafts_create(
    *,
    line: PicketLine,
    representatives: Iterable[Representative],
    day_ids: list[int],
    by: User,
) -> list[PicketInvitation]:
    """A draft for each representative not yet invited to the line. One already invited, or
    with a draft waiting, is left as it is: the TULO's edit is never drafted over."""
    days = [d for d in invitable_days(line) if d.pk in set(day_ids)]
    if not days:
        raise ValidationError("Choose at least one day that is still to come.")
    already = set(line.invitations.values_list("representative_id", flat=True))
    made = []
    for rep in representatives:
        if rep.pk in already:
            continue
        subject, body = draft(representative=rep, line=line, days=days, by=by)
        try:
            with transaction.atomic():
                invitation = PicketInvitation.objects.create(
                    clp=line.clp,
                    picket_line=line,
                    representative=rep,
                    created_by=by,
                    subject=subject,
                    body=body,
                )
        except IntegrityError:  # a second click drafted them meanwhile
            continue
        invitation.action_days.set(days)
        made.append(invitation)
    return made


def draft_save(*, invitation: PicketInvitation, subject: str, body: str) -> None:
    """The TULO's edit of a draft, kept as they wrote it."""
    PicketInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
        subject=subject, body=body
    )


def draft_delete(*, invitation: PicketInvitation) -> None:
    PicketInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).delete()


def identical_drafts(texts: dict[int, str]) -> list[int]:
    """Drafts whose text is word for word another's: each representative gets their own."""
    seen: dict[str, int] = {}
    repeated = []
    for pk, text in texts.items():
        key = " ".join(text.split()).casefold()
        if key in seen:
            repeated.append(pk)
        else:
            seen[key] = pk
    return repeated


@transaction.atomic
def invitations_send(*, invitations: list[PicketInvitation], by: User) -> int:
    """Write each draft to the outbox, once: claimed by setting sent_at where it was empty, in
    the transaction that writes its email."""
    sent = 0
    for invitation in invitations:
        rep = invitation.representative
        if not rep.email:
            continue
        claimed = PicketInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not claimed:
            continue
        queue_email(
            "picket_invitation",
            to=rep.email,
            clp=invitation.clp_id,
            reply_to=by.email,
            context={
                "subject": invitation.subject,
                "body": invitation.body,
                "answer_url": answer_url(invitation.pk),
            },
        )
        record_event(
            action=AuditAction.REP_INVITED,
            clp=invitation.clp_id,
            actor=by,
            object_type=OBJECT_TYPE,
            object_id=invitation.pk,
        )
        sent += 1
    return sent


def answer_days(invitation: PicketInvitation) -> list[ActionDay]:
    """The invited days someone can still say they'll come on."""
    today = timezone.localdate()
    return [d for d in invitation.action_days.order_by("date") if d.date >= today]


@transaction.atomic
def answer_record(*, invitation: PicketInvitation, answer: str, day: ActionDay | None) -> None:
    """The representative's answer, from their link: it replaces an earlier one. "Send me more"
    emails the TULO who sent it, with a reply going to the representative."""
    if answer == Answer.YES and day is None:
        raise ValidationError("Choose the day you can come.")
    if day is not None and day.cancelled:
        raise ValidationError("That strike day has been cancelled: there is no picket.")
    changed_day = invitation.answer_day_id != (day.pk if day else None)
    invitation.answer = answer
    invitation.answer_day = day if answer == Answer.YES else None
    invitation.answered_at = timezone.now()
    fields = ["answer", "answer_day", "answered_at"]
    if changed_day:
        # A new day is a new evening before.
        invitation.reminder_sent_at = None
        fields.append("reminder_sent_at")
    try:
        invitation.save(update_fields=fields)
    except IntegrityError as exc:  # a day deleted meanwhile
        raise ValidationError("That day is no longer on the picket line: choose another.") from exc
    record_event(
        action=AuditAction.REP_ANSWERED,
        clp=invitation.clp_id,
        object_type=OBJECT_TYPE,
        object_id=invitation.pk,
    )
    tulo = invitation.created_by
    if answer == Answer.MORE and tulo is not None and tulo.email:
        rep = invitation.representative
        queue_email(
            "picket_invitation_more",
            to=tulo.email,
            clp=invitation.clp_id,
            reply_to=rep.email,
            context={"invitation": invitation, "rep": rep, "line": invitation.picket_line},
        )


# Reminders -----------------------------------------------------------------------------------


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Remind each representative who said they'd come tomorrow, once: claimed by setting
    reminder_sent_at where it was empty, in the transaction that writes the email."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    due = list(
        PicketInvitation.objects.filter(
            answer=Answer.YES,
            answer_day__date=tomorrow,
            answer_day__cancelled=False,
            reminder_sent_at__isnull=True,
        )
        .exclude(representative__email="")
        .values_list("pk", flat=True)
    )
    sent = 0
    related = ("representative", "answer_day", "picket_line__dispute", "picket_line__clp")
    for invitation in claim_each(PicketInvitation, due, now=now, related=related):
        line, day = invitation.picket_line, invitation.answer_day
        assert day is not None  # chosen by answer_day__date
        queue_email(
            "picket_invitation_reminder",
            to=invitation.representative.email,
            clp=invitation.clp_id,
            context={
                "rep": invitation.representative,
                "salutation": salutation(invitation.representative),
                "line": line,
                "day": day,
                "times": f"{clock(line.start_time)} to {clock(line.end_time)}",
                "answer_url": answer_url(invitation.pk),
                "calendar_url": calendar_file.calendar_file_url(line, day),
            },
            attachments=[calendar_file.attachment(line, day)],
        )
        sent += 1
    return sent


# What came of it -----------------------------------------------------------------------------


def came_ids(*, clp_id: int, invitations: Sequence[PicketInvitation]) -> set[int]:
    """The invitations whose representative came: a confirmed visit of the CLP names them, to
    the same picket line, or to the line's dispute on one of the days they were invited to.
    Two queries, however many invitations."""
    if not invitations:
        return set()
    dates: dict[int, set[datetime.date]] = defaultdict(set)
    through = PicketInvitation.action_days.through.objects.filter(
        picketinvitation_id__in=[i.pk for i in invitations]
    ).values_list("picketinvitation_id", "actionday__date")
    for invitation_id, day in through:
        dates[invitation_id].add(day)
    visits: dict[int, list[tuple[int | None, int, datetime.date]]] = defaultdict(list)
    attended = RepresentativeAttendance.objects.filter(
        representative_id__in={i.representative_id for i in invitations},
        visit__clp_id=clp_id,
        visit__status=VisitStatus.CONFIRMED,
    ).values_list("representative_id", "visit__picket_line_id", "visit__dispute_id", "visit__date")
    for rep_id, line_id, dispute_id, day in attended:
        visits[rep_id].append((line_id, dispute_id, day))
    came = set()
    for invitation in invitations:
        line = invitation.picket_line
        for visit_line, dispute_id, day in visits[invitation.representative_id]:
            same_line = visit_line == line.pk
            same_days = (
                visit_line is None and dispute_id == line.dispute_id and day in dates[invitation.pk]
            )
            if same_line or same_days:
                came.add(invitation.pk)
                break
    return came


@dataclass
class InvitationRow:
    invitation: PicketInvitation
    came: bool

    @property
    def status(self) -> str:
        """What the TULO reads: "came", "said yes: Thu 10 Dec", "can't make it"..."""
        invitation = self.invitation
        if self.came:
            return "Came"
        if invitation.sent_at is None:
            return "Draft, not sent"
        if invitation.answer == Answer.YES and invitation.answer_day is not None:
            return f"Said yes: {invitation.answer_day.date:%a %-d %b}"
        if invitation.answer:
            return invitation.get_answer_display()
        return "Invited, no answer yet"


def line_invitations(*, line: PicketLine) -> list[InvitationRow]:
    """Everyone invited to the line (and drafts), with what came of it."""
    invitations = list(
        line.invitations.select_related("representative", "answer_day", "picket_line").order_by(
            "representative__office", "representative__name"
        )
    )
    came = came_ids(clp_id=line.clp_id, invitations=invitations)
    return [InvitationRow(i, i.pk in came) for i in invitations]


@dataclass
class InvitationTally:
    """The period's invitations to representatives: how many went, were answered, and who came."""

    invited: int = 0
    people_invited: int = 0  # each representative once, however many lines they were asked to
    answered: int = 0
    said_yes: int = 0
    came: int = 0
    # Each representative who came, once, as the report names them.
    who_came: list[Representative] = field(default_factory=list)


def tally(*, clp: CLP, start: datetime.date, end: datetime.date) -> InvitationTally:
    """Invitations sent for picket lines whose first invited day falls from start to end, in
    three queries."""
    invitations = list(
        PicketInvitation.objects.filter(clp=clp, sent_at__isnull=False)
        .annotate(first_day=Min("action_days__date"))
        .filter(first_day__gte=start, first_day__lte=end)
        .select_related("representative", "picket_line")
    )
    came = came_ids(clp_id=clp.pk, invitations=invitations)
    result = InvitationTally(
        invited=len(invitations),
        people_invited=len({i.representative_id for i in invitations}),
        answered=sum(1 for i in invitations if i.answer),
        said_yes=sum(1 for i in invitations if i.answer == Answer.YES),
        came=len(came),
    )
    people = {i.representative.pk: i.representative for i in invitations if i.pk in came}
    result.who_came = sorted(
        people.values(), key=lambda r: (OFFICE_ORDER.index(Office(r.office)), r.name)
    )
    return result


def came_counts(*, clp: CLP, representatives: list[Representative]) -> dict[int, int]:
    """representative id -> how many of the picket lines they were invited to they came to."""
    sent = list(
        PicketInvitation.objects.filter(
            clp=clp, representative__in=representatives, sent_at__isnull=False
        ).select_related("picket_line")
    )
    came = came_ids(clp_id=clp.pk, invitations=sent)
    counts: dict[int, int] = defaultdict(int)
    for invitation in sent:
        if invitation.pk in came:
            counts[invitation.representative_id] += 1
    return counts
