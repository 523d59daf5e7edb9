"""What a CLP's picket records hold about a person, offered to the privacy app: sign-ups, the
visits they reported or went on, photos they uploaded, solidarity records they made, and
how long sign-ups and trip leaders' links are kept."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from clps.audit import record_counts
from clps.models import CLP, AuditAction, User
from clps.personal_data import in_or_outside, iso_day, iso_time
from privacy.mentions import name_pattern, scrub
from privacy.registry import (
    AddressRecord,
    Erasure,
    History,
    Person,
    PersonalData,
    log_text,
    short_date,
)

from .models import (
    LeadLink,
    PicketInvitation,
    PicketSignup,
    PicketVisit,
    Representative,
    RepresentativeAttendance,
    SolidarityAction,
    VisitPhoto,
)
from .services import delete_files

# How long personal data is kept once it has served its purpose. The privacy notice shows these
# same values, so what it promises is what the jobs do.
SIGNUP_RETENTION = datetime.timedelta(days=90)
# A sign-up from the public page never confirmed by its emailed link.
PENDING_SIGNUP_RETENTION = datetime.timedelta(days=30)
LEAD_LINK_RETENTION = datetime.timedelta(days=90)


def _named(user: User) -> Q:
    """Visits that name the account: reported, confirmed or gone on by them."""
    return Q(reported_by=user) | Q(confirmed_by=user) | Q(members=user)


def _visits_went_on(user: User) -> set[int]:
    return set(
        PicketVisit.members.through.objects.filter(user=user).values_list(
            "picketvisit_id", flat=True
        )
    )


def signups_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete picket sign-ups for days more than SIGNUP_RETENTION ago: who said they would go
    is needed for the day's reminder and the trip leader, not afterwards. Reports count visits,
    never sign-ups, so nothing is lost from them."""
    cutoff = timezone.localtime(now or timezone.now()).date() - SIGNUP_RETENTION
    old = PicketSignup.objects.filter(action_day__date__lt=cutoff)
    with transaction.atomic():
        per_clp = dict(old.values_list("picket_line__clp_id").annotate(n=Count("pk")).order_by())
        deleted, _ = old.delete()
        record_counts(action=AuditAction.SIGNUPS_EXPIRED, counts=per_clp, object_type="signup")
    return deleted


def pending_signups_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete sign-ups from the public page never confirmed within PENDING_SIGNUP_RETENTION:
    the address may not even be theirs who typed it."""
    cutoff = (now or timezone.now()) - PENDING_SIGNUP_RETENTION
    old = PicketSignup.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    with transaction.atomic():
        per_clp = dict(old.values_list("picket_line__clp_id").annotate(n=Count("pk")).order_by())
        deleted, _ = old.delete()
        record_counts(action=AuditAction.SIGNUPS_EXPIRED, counts=per_clp, object_type="signup")
    return deleted


def _by_address(person: Person) -> list[PicketSignup]:
    """The sign-ups the person gave a name and address for (from the weekly email or the
    public page), as found for them within their scope."""
    return [r for r in person.records if isinstance(r, PicketSignup)]


def lead_links_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete trip leaders' links (labelled with who they went to) once the picket line's last
    day is more than LEAD_LINK_RETENTION ago."""
    cutoff = timezone.localtime(now or timezone.now()).date() - LEAD_LINK_RETENTION
    old = LeadLink.objects.alias(last_day=Max("picket_line__action_days__date")).filter(
        last_day__lt=cutoff
    )
    with transaction.atomic():
        ids = list(old.values_list("pk", flat=True))
        links = LeadLink.objects.filter(pk__in=ids)
        per_clp = dict(links.values_list("picket_line__clp_id").annotate(n=Count("pk")).order_by())
        deleted, _ = links.delete()
        record_counts(
            action=AuditAction.LEAD_LINKS_EXPIRED, counts=per_clp, object_type="lead_link"
        )
    return deleted


def _scrub_own_reports(*, user: User, names: list[str], result: Erasure) -> None:
    """A first name or surname alone is too common to remove from every record, but in the
    reports of visits the person reported or went on, it is most likely theirs."""
    words = {w for n in names for w in n.split() if len(w) > 1}
    if not words:
        return
    patterns = [name_pattern(w) for w in sorted(words, key=len, reverse=True)]
    visit_ids = set(
        PicketVisit.objects.filter(reported_by=user).values_list("pk", flat=True)
    ) | _visits_went_on(user)
    for model, key in [(PicketVisit, "pk"), (PicketVisit.history.model, "id")]:
        for pk, report in model._base_manager.filter(**{f"{key}__in": visit_ids}).values_list(
            "pk", "report"
        ):
            scrubbed = scrub(report, patterns)
            if scrubbed != report:
                model._base_manager.filter(pk=pk).update(report=scrubbed)
                result.text_rows += 1


def _address_signups(signups: list[PicketSignup]) -> list[dict]:
    return [
        {
            "clp": s.picket_line.clp.name,
            "dispute": s.picket_line.dispute.title,
            "place": s.picket_line.place,
            "day": iso_day(s.action_day.date),
            "name": s.name,
            "email": s.email,
            "from": s.get_source_display(),
            "signed_up_at": iso_time(s.created_at),
            "confirmed_at": iso_time(s.confirmed_at),
            "reminder_sent_at": iso_time(s.reminder_sent_at),
            "came": s.attended_at is not None,
        }
        for s in signups
    ]


def _as_representative(person: Person) -> list[Representative]:
    return [r for r in person.records if isinstance(r, Representative)]


def _representative_copy(reps: list[Representative]) -> list[dict]:
    invitations = (
        PicketInvitation.objects.filter(representative__in=reps, sent_at__isnull=False)
        .select_related("picket_line__dispute", "answer_day")
        .order_by("sent_at", "pk")
    )
    return [
        {
            "clp": rep.clp.name,
            "name": rep.name,
            "office": rep.office_label,
            "ward_or_area": rep.area,
            "party": rep.party,
            "contact_email": rep.email,
            "in_office_from": iso_day(rep.active_from) if rep.active_from else None,
            "in_office_until": iso_day(rep.active_until) if rep.active_until else None,
            "invitations": [
                {
                    "picket_line": f"{i.picket_line.dispute.title}, {i.picket_line.place}",
                    "sent_at": iso_time(i.sent_at),
                    "subject": i.subject,
                    "text": i.body,
                    "answer": i.get_answer_display() if i.answer else "",
                    "day": iso_day(i.answer_day.date) if i.answer_day else None,
                    "answered_at": iso_time(i.answered_at),
                }
                for i in invitations
                if i.representative_id == rep.pk
            ],
        }
        for rep in reps
    ]


def _describe_visit(record: Any) -> str:
    return log_text(f"Visit on {short_date(record.date)}", about=record.dispute)


def _describe_action(record: Any) -> str:
    extra = f": {record.title}" if record.title else ""
    text = f"{record.get_kind_display()} on {short_date(record.date)}{extra}"
    return log_text(text, about=record.dispute)


class PicketsPersonalData(PersonalData):
    review = (
        ("picket_signups", "Picket sign-ups"),
        ("picket_visits", "Picket visits (stay counted, without them)"),
        ("photos_you_uploaded", "Photos they uploaded (deleted)"),
    )

    def held_by_address(self, *, emails: list[str]) -> list[AddressRecord]:
        lowered = [e.lower() for e in emails]
        signups: list[AddressRecord] = list(
            PicketSignup.objects.filter(user__isnull=True)
            .alias(email_lower=Lower("email"))
            .filter(email_lower__in=lowered)
            .select_related("picket_line__clp", "picket_line__dispute", "action_day")
            .order_by("action_day__date", "pk")
        )
        # An elected representative, by the contact email the TULO keeps for them.
        reps = Representative.objects.alias(email_lower=Lower("email")).filter(
            email_lower__in=lowered
        )
        return signups + list(reps.order_by("pk"))

    def user_ties(self, *, user: User, clp: CLP, elsewhere: bool = False) -> bool:
        def held(qs: QuerySet, clp_path: str) -> bool:
            return in_or_outside(qs, clp_path=clp_path, clp=clp, elsewhere=elsewhere).exists()

        return (
            held(PicketSignup.objects.filter(user=user), "picket_line__clp")
            or held(PicketVisit.objects.filter(_named(user)), "clp")
            or held(SolidarityAction.objects.filter(created_by=user), "clp")
            or held(VisitPhoto.objects.filter(uploaded_by=user), "visit__clp")
        )

    def export(self, *, person: Person) -> dict[str, Any]:
        given = {"picket_signups_by_name_and_email": _address_signups(_by_address(person))}
        if not given["picket_signups_by_name_and_email"]:
            given = {}
        if held := _as_representative(person):
            given["as_elected_representative"] = _representative_copy(held)
        user, clp = person.user, person.clp
        if user is None:
            return given
        signups = PicketSignup.objects.filter(user=user).select_related(
            "picket_line__clp", "picket_line__dispute", "action_day"
        )
        visits = (
            PicketVisit.objects.filter(_named(user)).distinct().select_related("clp", "dispute")
        )
        photos = VisitPhoto.objects.filter(uploaded_by=user).select_related("visit__dispute")
        actions = SolidarityAction.objects.filter(created_by=user).select_related("clp", "dispute")
        reps = RepresentativeAttendance.objects.none()
        if person.names:
            by_name = Q()
            for name in person.names:
                by_name |= Q(name__iexact=name)
            reps = RepresentativeAttendance.objects.filter(by_name).select_related(
                "visit__clp", "visit__dispute"
            )
        if clp is not None:
            signups = signups.filter(picket_line__clp=clp)
            visits = visits.filter(clp=clp)
            photos = photos.filter(visit__clp=clp)
            actions = actions.filter(clp=clp)
            reps = reps.filter(visit__clp=clp)
        named_in = _visits_went_on(user)
        return {
            "picket_signups": [
                {
                    "clp": s.picket_line.clp.name,
                    "dispute": s.picket_line.dispute.title,
                    "place": s.picket_line.place,
                    "day": iso_day(s.action_day.date),
                    "signed_up_at": iso_time(s.created_at),
                    "reminder_sent_at": iso_time(s.reminder_sent_at),
                }
                for s in signups.order_by("action_day__date", "pk")
            ],
            "picket_visits": [
                {
                    "clp": v.clp.name,
                    "dispute": v.dispute.title,
                    "date": iso_day(v.date),
                    "your_part": [
                        part
                        for part, applies in [
                            ("reported it", v.reported_by_id == user.pk),
                            ("named among the members who went", v.pk in named_in),
                            ("confirmed it", v.confirmed_by_id == user.pk),
                        ]
                        if applies
                    ],
                    "members_who_went": v.members_count,
                    "report_back": v.report,
                    "status": v.get_status_display(),
                }
                for v in visits.order_by("date", "pk")
            ],
            "photos_you_uploaded": [
                {
                    "visit": f"{p.visit.dispute.title}, {p.visit.date.isoformat()}",
                    "uploaded_at": iso_time(p.created_at),
                    "people_in_it_agreed": p.consent,
                    "file": p.image.name,
                }
                for p in photos.order_by("created_at")
            ],
            "solidarity_records_you_made": [
                {
                    "clp": a.clp.name,
                    "what": a.get_kind_display(),
                    "date": iso_day(a.date),
                    "dispute": a.dispute.title if a.dispute else "",
                    "title": a.title,
                    "amount_pence": a.amount_pence,
                    "note": a.note,
                }
                for a in actions.order_by("date", "pk")
            ],
            **given,
            "named_as_elected_representative": [
                {
                    "clp": r.visit.clp.name,
                    "dispute": r.visit.dispute.title,
                    "date": iso_day(r.visit.date),
                    "office": r.get_office_display(),
                }
                for r in reps.order_by("visit__date", "pk")
            ],
        }

    def erase(self, *, person: Person, by: User, result: Erasure) -> None:
        """Sign-ups go with the account or the address; visits they went on stay counted,
        without them."""
        by_address = _by_address(person)
        PicketSignup.objects.filter(pk__in=[s.pk for s in by_address]).delete()
        result.clp_ids |= {s.clp_id for s in by_address}
        result.count("picket sign-ups", len(by_address))
        # A representative's contact email goes; what they did in public office stays.
        held = _as_representative(person)
        Representative.objects.filter(pk__in=[r.pk for r in held]).update(email="")
        result.clp_ids |= {r.clp_id for r in held}
        result.count("elected representatives' contact emails", len(held))
        user = person.user
        if user is None:
            return
        went_on = PicketVisit.objects.filter(members=user)
        result.clp_ids |= set(went_on.values_list("clp_id", flat=True))
        result.count("picket visits", went_on.count(), kept=True)
        _scrub_own_reports(user=user, names=person.names, result=result)
        result.count("picket sign-ups", PicketSignup.objects.filter(user=user).count())
        photos = list(VisitPhoto.objects.filter(uploaded_by=user))
        files = [photo.image.name for photo in photos if photo.image.name]
        for photo in photos:
            photo.delete()
        result.count("photos", len(photos))
        # Photo files go once the rows are gone for good: a rolled-back erasure keeps them.
        transaction.on_commit(lambda: delete_files(files))

    def retention(self, *, now: datetime.datetime | None = None) -> dict[str, int]:
        return {
            "picket_signups": signups_delete_old(now=now),
            "pending_picket_signups": pending_signups_delete_old(now=now),
            "lead_links": lead_links_delete_old(now=now),
        }

    def notice(self) -> dict[str, int]:
        return {
            "signup_days": SIGNUP_RETENTION.days,
            "pending_signup_days": PENDING_SIGNUP_RETENTION.days,
            "lead_link_days": LEAD_LINK_RETENTION.days,
        }

    def audit_histories(self, *, clp: CLP) -> list[History]:
        return [
            History(
                kind="Picket visit",
                rank=2,
                rows=PicketVisit.history.filter(clp_id=clp.pk).select_related("dispute"),
                describe=_describe_visit,
            ),
            History(
                kind="Solidarity ledger",
                rank=3,
                rows=SolidarityAction.history.filter(clp_id=clp.pk).select_related("dispute"),
                describe=_describe_action,
            ),
        ]
