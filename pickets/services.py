"""Writes to what a CLP did. Each runs in one transaction; mail is queued only after commit."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from clps import public_cache
from clps.models import CLP, Membership, User
from clps.outbox import queue_email
from strikes.models import ActionDay

from .links import confirm_url
from .models import (
    LeadLink,
    PicketLine,
    PicketSignup,
    PicketVisit,
    ReportPdf,
    Representative,
    RepresentativeAttendance,
    SignupSource,
    SolidarityAction,
    VisitPhoto,
    VisitStatus,
)
from .photos import PHOTO_NAME, clean_photo
from .representatives import match_typed
from .tasks import build_report_pdf


@transaction.atomic
def picket_line_save(*, picket_line: PicketLine, action_day_ids: list[int]) -> PicketLine:
    picket_line.full_clean()
    picket_line.save()
    picket_line.action_days.set(
        picket_line.dispute.action_days.filter(pk__in=action_day_ids).values_list("pk", flat=True)
    )
    return picket_line


def _check_member(clp: CLP, user: User) -> None:
    if not Membership.objects.filter(clp=clp, user=user).exists():
        raise PermissionDenied("Join the CLP to sign up for its picket lines.")


def open_day(picket_line: PicketLine, action_day_id: int) -> ActionDay:
    """The line's day with that id, if someone can still say they'll go; else ValidationError
    with a message for them."""
    action_day = picket_line.action_days.filter(pk=action_day_id).first()
    if action_day is None:
        raise ValidationError("That day is not one of this picket line's days.")
    if action_day.cancelled:
        raise ValidationError("That strike day has been cancelled, so there is no picket to join.")
    if action_day.date < timezone.localdate():
        raise ValidationError("That day has passed.")
    return action_day


def signup_create(*, picket_line: PicketLine, action_day_id: int, user: User) -> PicketSignup:
    """Sign a member up for one day of a picket line. Signing up twice changes nothing."""
    _check_member(picket_line.clp, user)
    action_day = open_day(picket_line, action_day_id)
    try:
        with transaction.atomic():
            signup, _ = PicketSignup.objects.get_or_create(
                picket_line=picket_line,
                action_day=action_day,
                user=user,
                defaults={"source": SignupSource.MEMBER, "confirmed_at": timezone.now()},
            )
    except IntegrityError:  # a double click racing itself
        signup = PicketSignup.objects.get(picket_line=picket_line, action_day=action_day, user=user)
    return signup


def signup_cancel(*, picket_line: PicketLine, action_day_id: int, user: User) -> None:
    PicketSignup.objects.filter(
        picket_line=picket_line, action_day_id=action_day_id, user=user
    ).delete()


@dataclass(frozen=True)
class EmailSignup:
    signup: PicketSignup
    created: bool  # a new row: for the public, a confirmation email is owed


def signup_by_email(
    *, picket_line: PicketLine, action_day_id: int, name: str, email: str, source: str
) -> EmailSignup:
    """Sign someone up by the name and address they gave: a subscriber from the weekly email
    (confirmed at once: their address is confirmed) or someone from the public page (counted
    once they confirm by the emailed link). Signing up twice changes nothing; a member already
    down to go under the same address is not counted twice."""
    action_day = open_day(picket_line, action_day_id)
    email = email.strip()
    member = PicketSignup.objects.filter(
        picket_line=picket_line, action_day=action_day, user__email__iexact=email
    ).first()
    if member is not None:
        return EmailSignup(member, created=False)
    confirmed_at = timezone.now() if source == SignupSource.SUBSCRIBER else None
    try:
        with transaction.atomic():
            signup, created = PicketSignup.objects.get_or_create(
                picket_line=picket_line,
                action_day=action_day,
                email__iexact=email,
                defaults={
                    "email": email,
                    "name": name.strip()[:100],
                    "source": source,
                    "confirmed_at": confirmed_at,
                },
            )
    except IntegrityError:  # the same address racing itself
        signup = PicketSignup.objects.get(
            picket_line=picket_line, action_day=action_day, email__iexact=email
        )
        created = False
    if not created and confirmed_at and signup.confirmed_at is None:
        # Asked on the public page, then said yes from the weekly email: that address is known.
        signup_confirm(signup=signup)
    return EmailSignup(signup, created)


@transaction.atomic
def public_signup(
    *, picket_line: PicketLine, action_day_id: int, name: str, email: str
) -> PicketSignup:
    """Someone from the public page: their sign-up waits for the link emailed to them. Asking
    again sends the link again; a sign-up already counted is left as it is and sent nothing
    (the page they see says the same either way, so it tells no one who is going)."""
    signup = signup_by_email(
        picket_line=picket_line,
        action_day_id=action_day_id,
        name=name,
        email=email,
        source=SignupSource.PUBLIC,
    ).signup
    if signup.confirmed_at is None:
        queue_email(
            "picket_signup_confirm",
            to=signup.email,
            clp=picket_line.clp_id,
            context={
                "signup": signup,
                "line": picket_line,
                "day": signup.action_day,
                "confirm_url": confirm_url(signup),
            },
        )
    return signup


def signup_confirm(*, signup: PicketSignup) -> bool:
    """Count a public sign-up; False if it was counted already."""
    counted = PicketSignup.objects.filter(pk=signup.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    if counted:  # one more going, on the public pages too
        public_cache.bump_clps([signup.picket_line.clp_id])
    return bool(counted)


def signup_withdraw(*, signup: PicketSignup) -> None:
    """They can't come after all."""
    PicketSignup.objects.filter(pk=signup.pk).delete()


def lead_link_create(*, picket_line: PicketLine, label: str) -> LeadLink:
    return LeadLink.objects.create(picket_line=picket_line, label=label)


def lead_link_revoke(*, link: LeadLink) -> None:
    LeadLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def visit_save(
    *,
    visit: PicketVisit,
    by: User,
    as_tulo: bool,
    representatives: list[tuple[str, str]] | None = None,
    photos: list[tuple[UploadedFile, bool]] | None = None,
    members: list[User] | None = None,
    listed: list[Representative] | None = None,
) -> PicketVisit:
    """Record a picket visit. A TULO's record counts at once; a member's waits for the TULO.

    Representatives who came are `listed` (the CLP's records) or typed as (name, office) for
    someone not on the list; a typed name and office that agree with a record are linked to it.
    `photos` are (upload, consent) pairs; each is checked and stripped of metadata first, so a
    bad photo saves nothing.
    """
    cleaned = [(clean_photo(upload), consent) for upload, consent in (photos or [])]
    if visit.pk is None:
        visit.reported_by = by
    if as_tulo:
        visit.status = VisitStatus.CONFIRMED
        visit.confirmed_by = visit.confirmed_by or by
        visit.confirmed_at = visit.confirmed_at or timezone.now()
    visit.full_clean()
    # The audit log names who made the change, whether or not it came through a web request.
    visit._history_user = by
    visit.save()
    if members is not None:
        visit.members.set(members)
    if representatives is not None or listed is not None:
        _attendances_set(visit, listed or [], representatives or [])
    for content, consent in cleaned:
        photo = VisitPhoto(visit=visit, consent=consent, uploaded_by=by)
        photo.image.save(PHOTO_NAME, content, save=False)
        photo.save()
    return visit


def _attendances_set(
    visit: PicketVisit, listed: list[Representative], typed: list[tuple[str, str]]
) -> None:
    visit.representatives.all().delete()
    typed = [(" ".join(name.split()), office) for name, office in typed if name.strip()]
    matched = match_typed(clp=visit.clp, typed=typed)
    rows = {
        rep.pk: RepresentativeAttendance(
            visit=visit, representative=rep, name=rep.name, office=rep.office
        )
        for rep in listed
    }
    unmatched = []
    for name, office in typed:
        rep_id = matched.get((name, office))
        if rep_id is None:
            unmatched.append(RepresentativeAttendance(visit=visit, name=name, office=office))
        elif rep_id not in rows:
            rows[rep_id] = RepresentativeAttendance(
                visit=visit, representative_id=rep_id, name=name, office=office
            )
    RepresentativeAttendance.objects.bulk_create([*rows.values(), *unmatched])


@transaction.atomic
def visit_confirm(*, visit: PicketVisit, by: User) -> None:
    """Confirm a member's report. Saved row by row, not by a queryset update, so the audit
    log records who confirmed it; confirming twice changes nothing."""
    reported = (
        PicketVisit.objects.select_for_update()
        .filter(pk=visit.pk, status=VisitStatus.REPORTED)
        .first()
    )
    if reported is None:
        return
    reported.status = VisitStatus.CONFIRMED
    reported.confirmed_by = by
    reported.confirmed_at = timezone.now()
    reported._history_user = by
    reported.save(update_fields=["status", "confirmed_by", "confirmed_at"])


@transaction.atomic
def visit_delete(*, visit: PicketVisit) -> None:
    files = [photo.image.name for photo in visit.photos.all() if photo.image.name]
    visit.delete()
    # The files go once the rows are gone for good: a delete rolled back keeps its photos,
    # which would otherwise be listed with no file behind them.
    transaction.on_commit(lambda: delete_files(files))


def delete_files(names: list[str]) -> None:
    """Stored files of rows already deleted; called once the deletion has committed."""
    for name in names:
        default_storage.delete(name)


def solidarity_action_save(*, action: SolidarityAction, by: User) -> SolidarityAction:
    if action.pk is None:
        action.created_by = by
    action.full_clean()
    action._history_user = by
    action.save()
    return action


def report_pdf_request(
    *, clp: CLP, by: User, start: datetime.date, end: datetime.date
) -> ReportPdf:
    """Queue a PDF of the report; the worker starts only once the job row is committed."""
    with transaction.atomic():
        job = ReportPdf.objects.create(clp=clp, requested_by=by, start=start, end=end)
        build_report_pdf.delay_on_commit(job.pk)
    return job
