"""The TULO's control of the weekly email: preview, note, hold or release, a test to
themselves, the schedule, and each sent digest's progress and figures."""

import datetime
import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from clps.access import clp_view
from clps.mail import compose
from clps.models import CLP, Role
from clps.requests import MemberRequest

from ..models import Digest, DigestStatus
from . import selectors, services
from .content import build_content
from .forms import NoteForm, ScheduleForm
from .render import no_ones_copy
from .render import render as render_digest
from .schedule import (
    schedule_for,
    send_at,
    upcoming_digest,
    upcoming_week,
    waiting_digest,
    window,
)

tulo_only = clp_view(Role.TULO)
logger = logging.getLogger(__name__)


def _weekly_page(
    request: HttpRequest, clp: CLP, *, note_form: NoteForm | None = None
) -> HttpResponse:
    schedule = schedule_for(clp)
    digest = upcoming_digest(clp, schedule=schedule)
    content = build_content(digest, schedule=schedule)
    rendered = render_digest(content)
    waiting = waiting_digest(clp, schedule=schedule)
    return render(
        request,
        "newsletters/weekly.html",
        {
            "clp": clp,
            "digest": digest,
            "now": timezone.now(),
            "due_at": send_at(schedule, digest.week_start),
            "waiting": waiting,
            "waiting_due_at": send_at(schedule, waiting.week_start) if waiting else None,
            "waiting_days": (
                window(schedule, waiting.week_start, today=timezone.localdate())
                if waiting
                else None
            ),
            "content": content,
            "text": no_ones_copy(
                rendered.text,
                clp.slug,
                unsubscribe_url="(your unsubscribe link)",
                manage_url="(your link to change details)",
            ),
            "subject": rendered.subject,
            "note_form": note_form or NoteForm(instance=digest),
            "schedule_form": ScheduleForm(instance=schedule),
            "past": selectors.past_digests(
                clp=clp, before=digest.week_start, cursor=request.GET.get("after")
            ),
            "stopped": selectors.stopped_digest(clp=clp),
        },
        status=400 if note_form is not None else 200,
    )


@tulo_only
def weekly(request: MemberRequest, clp: CLP) -> HttpResponse:
    return _weekly_page(request, clp)


@clp_view(Role.TULO)
@csp_override(
    {"default-src": ["'none'"], "style-src": ["'unsafe-inline'"], "img-src": ["'self'", "data:"]}
)
def preview(request: MemberRequest, clp: CLP) -> HttpResponse:
    """The HTML email as members will see it (with placeholder personal links)."""
    schedule = schedule_for(clp)
    digest = upcoming_digest(clp, schedule=schedule)
    rendered = render_digest(build_content(digest, schedule=schedule))
    return HttpResponse(no_ones_copy(rendered.html, clp.slug))


def _week_moved_on(request: MemberRequest, clp: CLP) -> bool:
    """Whether the page the TULO pressed a button on showed a week other than the one being
    prepared now (the tick started sending it meanwhile): then nothing is changed, and they
    are told. A form from before pages said their week has none, and acts on this week's."""
    posted = request.POST.get("week")
    current = upcoming_week(clp)
    if posted is None or posted == current.isoformat():
        return False
    messages.error(
        request,
        f"While this page was open the weekly email moved on to the week of "
        f"{current.day} {current:%B}, so nothing was changed. Check it below and try again.",
    )
    return True


@tulo_only
@require_POST
def save_note(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():  # shown again beside the note, with what was typed
        return _weekly_page(request, clp, note_form=form)
    if _week_moved_on(request, clp):
        return redirect("newsletters:weekly", clp.slug)
    outcome = services.note_save(clp=clp, note=form.cleaned_data["note"])
    if outcome == services.Outcome.DONE:
        messages.success(request, "Note saved: it shows at the top of the email.")
    else:
        messages.error(
            request,
            "This week's email has already gone or is going; the note was not changed. "
            "Its page, under Earlier weeks, shows how it went.",
        )
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
@require_POST
def hold(request: MemberRequest, clp: CLP) -> HttpResponse:
    if request.POST.get("action") == "send_waiting":
        return _send_waiting(request, clp)
    if _week_moved_on(request, clp):
        return redirect("newsletters:weekly", clp.slug)
    action = request.POST.get("action")
    if action == "hold":
        done, text = services.hold(clp=clp), "Held: it will not go until you release it."
    elif action == "release":
        done, text = services.release(clp=clp), "Released: it goes at its scheduled time."
    elif action == "send_now":
        digest = services.send_now(clp=clp)
        if digest is not None:
            messages.success(request, "Sending now. This page shows its progress.")
            return redirect("newsletters:digest", clp.slug, digest.pk)
        done, text = False, ""
    else:
        done, text = False, ""
    if done:
        messages.success(request, text)
    else:
        messages.error(request, "That cannot be done to this week's email now.")
    return redirect("newsletters:weekly", clp.slug)


def _send_waiting(request: MemberRequest, clp: CLP) -> HttpResponse:
    """The email that was due more than a day ago goes now, for the days it has left, if it is
    still the one the page showed waiting."""
    try:
        week = datetime.date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        week = None
    digest = services.send_waiting(clp=clp, week=week) if week else None
    if digest is None:
        messages.error(
            request,
            "That email is no longer waiting to be sent: it has gone, or the next week's is due. "
            "This page shows where things stand now.",
        )
        return redirect("newsletters:weekly", clp.slug)
    messages.success(
        request, "Sending now, for the days it has left. This page shows its progress."
    )
    return redirect("newsletters:digest", clp.slug, digest.pk)


@tulo_only
@require_POST
def send_test(request: MemberRequest, clp: CLP) -> HttpResponse:
    """A copy to the TULO at once, so they learn straight away whether it went."""
    schedule = schedule_for(clp)
    digest = upcoming_digest(clp, schedule=schedule)
    rendered = render_digest(build_content(digest, schedule=schedule))
    message = compose(
        subject=f"[Test] {rendered.subject}",
        text=no_ones_copy(rendered.text, clp.slug),
        html=no_ones_copy(rendered.html, clp.slug),
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
def save_schedule(request: MemberRequest, clp: CLP) -> HttpResponse:
    form = ScheduleForm(request.POST, instance=schedule_for(clp))
    if form.is_valid():
        services.schedule_save(schedule=form.save(commit=False))
        messages.success(request, "Schedule saved.")
    else:
        messages.error(request, "Choose a day and a time like 08:00.")
    return redirect("newsletters:weekly", clp.slug)


@tulo_only
def digest_detail(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=pk, clp=clp)
    counts = selectors.figures(digest)
    total = sum(counts.values())
    settled = digest.status in (DigestStatus.SENT, DigestStatus.STOPPED)
    context = {
        "clp": clp,
        "digest": digest,
        "counts": counts,
        # Read once sending is over: the page polls while it sends.
        "outcomes": selectors.outcomes(digest) if settled else None,
        "total": total,
        "done_pct": (
            round(100 * (counts["sent"] + counts["failed"] + counts["withheld"]) / total)
            if total
            else 0
        ),
        "now": timezone.now(),
    }
    template = "newsletters/_digest_progress.html" if request.htmx else "newsletters/digest.html"
    return render(request, template, context)


@tulo_only
@require_POST
def resume_digest(request: MemberRequest, clp: CLP, pk: int) -> HttpResponse:
    digest = get_object_or_404(Digest, pk=pk, clp=clp)
    if services.resume(digest=digest):
        messages.success(request, "Sending again: the failed and waiting emails go out now.")
    else:
        messages.error(request, "This email is not stopped, so there is nothing to resume.")
    return redirect("newsletters:digest", clp.slug, pk)
