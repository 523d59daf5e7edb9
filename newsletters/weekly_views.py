"""The TULO's control of the weekly email: preview, note, hold or release, a test to
themselves, the schedule, and each sent digest's progress and figures."""

import logging

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from clps.access import clp_view
from clps.mail import compose
from clps.models import CLP, Role

from .delivery import figures, outcomes, resume
from .digest import build_content, personalise, schedule_for, send_at, upcoming_digest
from .digest import render as render_digest
from .models import Digest, DigestStatus, WeeklySchedule

tulo_only = clp_view(Role.TULO)
logger = logging.getLogger(__name__)


class NoteForm(forms.ModelForm):
    class Meta:
        model = Digest
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "maxlength": "2000"})}


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = WeeklySchedule
        fields = ["weekday", "send_time", "skip_empty", "enabled"]
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        labels = {"enabled": "Send the weekly email", "send_time": "Time (UK)"}


@tulo_only
def weekly(request: HttpRequest, clp: CLP) -> HttpResponse:
    digest = upcoming_digest(clp)
    schedule = schedule_for(clp)
    content = build_content(digest)
    rendered = render_digest(content)
    past = list(Digest.objects.filter(clp=clp).exclude(pk=digest.pk).order_by("-week_start")[:12])
    return render(
        request,
        "newsletters/weekly.html",
        {
            "clp": clp,
            "digest": digest,
            "due_at": send_at(schedule, digest.week_start),
            "content": content,
            "text": personalise(
                rendered.text,
                unsubscribe_url="(your unsubscribe link)",
                manage_url="(your link to change details)",
            ),
            "subject": rendered.subject,
            "note_form": NoteForm(instance=digest),
            "schedule_form": ScheduleForm(instance=schedule),
            "past": past,
            "stopped": next((d for d in past if d.status == DigestStatus.STOPPED), None),
        },
    )


@clp_view(Role.TULO)
@csp_override(
    {"default-src": ["'none'"], "style-src": ["'unsafe-inline'"], "img-src": ["'self'", "data:"]}
)
def preview(request: HttpRequest, clp: CLP) -> HttpResponse:
    """The HTML email as members will see it (with placeholder personal links)."""
    digest = upcoming_digest(clp)
    rendered = render_digest(build_content(digest))
    return HttpResponse(personalise(rendered.html, unsubscribe_url="#", manage_url="#"))


@tulo_only
@require_POST
def save_note(request: HttpRequest, clp: CLP) -> HttpResponse:
    digest = upcoming_digest(clp)
    form = NoteForm(request.POST, instance=digest)
    if form.is_valid() and digest.status in (DigestStatus.DRAFT, DigestStatus.HELD):
        form.save()
        messages.success(request, "Note saved: it shows at the top of the email.")
    elif not form.is_valid():
        messages.error(request, "The note is too long: keep it under 2,000 characters.")
    else:
        messages.error(
            request,
            "This week's email has already gone or is going; the note was not changed. "
            "Its page, under Earlier weeks, shows how it went.",
        )
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
@require_POST
def hold(request: HttpRequest, clp: CLP) -> HttpResponse:
    digest = upcoming_digest(clp)
    action = request.POST.get("action")
    with transaction.atomic():
        if action == "hold":
            changed = Digest.objects.filter(pk=digest.pk, status=DigestStatus.DRAFT).update(
                status=DigestStatus.HELD
            )
            text = "Held: it will not go until you release it."
        elif action == "release":
            changed = Digest.objects.filter(pk=digest.pk, status=DigestStatus.HELD).update(
                status=DigestStatus.DRAFT
            )
            text = "Released: it goes at its scheduled time."
        elif action == "send_now":
            changed = Digest.objects.filter(
                pk=digest.pk, status__in=[DigestStatus.DRAFT, DigestStatus.HELD]
            ).update(status=DigestStatus.DRAFT)
            if changed:
                from tuliaison.celery import app

                transaction.on_commit(
                    lambda: app.send_task("newsletters.send_digest", args=[digest.pk])
                )
            text = "Sending now. This page shows its progress."
        else:
            changed, text = 0, ""
    if changed:
        messages.success(request, text)
    else:
        messages.error(request, "That cannot be done to this week's email now.")
    if action == "send_now" and changed:
        return redirect("newsletters:digest", clp.slug, digest.pk)
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
@require_POST
def send_test(request: HttpRequest, clp: CLP) -> HttpResponse:
    digest = upcoming_digest(clp)
    rendered = render_digest(build_content(digest))
    message = compose(
        subject=f"[Test] {rendered.subject}",
        text=personalise(rendered.text, unsubscribe_url="#", manage_url="#"),
        html=personalise(rendered.html, unsubscribe_url="#", manage_url="#"),
        to=[request.user.email],
    )
    try:
        message.send()
    except Exception:
        logger.exception("test copy of the weekly email to the TULO failed")
        messages.error(
            request,
            "The test copy could not be sent: the email service refused it. Try again in a few "
            "minutes; if it keeps failing, tell whoever looks after the site's email settings.",
        )
    else:
        messages.success(request, f"A test copy went to {request.user.email}.")
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
@require_POST
def save_schedule(request: HttpRequest, clp: CLP) -> HttpResponse:
    form = ScheduleForm(request.POST, instance=schedule_for(clp))
    if form.is_valid():
        form.save()
        messages.success(request, "Schedule saved.")
    else:
        messages.error(request, "Choose a day and a time like 08:00.")
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
def digest_detail(request: HttpRequest, clp: CLP, pk: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=pk, clp=clp)
    counts = figures(digest)
    total = sum(counts.values())
    settled = digest.status in (DigestStatus.SENT, DigestStatus.STOPPED)
    context = {
        "clp": clp,
        "digest": digest,
        "counts": counts,
        # Read once sending is over: the page polls while it sends.
        "outcomes": outcomes(digest) if settled else None,
        "total": total,
        "done_pct": round(100 * (counts["sent"] + counts["failed"]) / total) if total else 0,
        "now": timezone.now(),
    }
    template = "newsletters/_digest_progress.html" if request.htmx else "newsletters/digest.html"
    return render(request, template, context)


@tulo_only
@require_POST
def resume_digest(request: HttpRequest, clp: CLP, pk: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=pk, clp=clp)
    with transaction.atomic():
        resumed = resume(digest)
        if resumed:
            from tuliaison.celery import app

            transaction.on_commit(lambda: app.send_task("newsletters.send_digest", args=[pk]))
    if resumed:
        messages.success(request, "Sending again: the failed and waiting emails go out now.")
    else:
        messages.error(request, "This email is not stopped, so there is nothing to resume.")
    return redirect("newsletters:digest", clp.slug, pk)
