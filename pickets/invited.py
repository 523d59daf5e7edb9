"""An elected representative answers an invitation to a picket line from the personal link in
it: "I'll be there" on a day, "Can't make it" or "Send me more". No account: the signed link
(pickets.links.ANSWER_LINKS) is the key. A GET only shows the invitation and its buttons, since
mail scanners open every link; the one POST behind a button records the answer. A forged or
altered link, or one whose days are all over, is refused with a page that says why."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import invitations
from .links import ANSWER_LINKS
from .models import Answer, PicketInvitation
from .rep_forms import AnswerForm

THANKS = {
    Answer.YES: "Thank you: you're down as coming. We'll email you a reminder the evening before.",
    Answer.NO: "Thank you for letting us know. You can change your answer here any time.",
    Answer.MORE: "Thank you: the Trade Union Liaison Officer will be in touch with more.",
}


def _refused(request: HttpRequest, reason: str, invitation=None, status: int = 404):
    return render(
        request,
        "pickets/public/answer_refused.html",
        {"reason": reason, "invitation": invitation},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    ids = ANSWER_LINKS.unsign_ids(token, 1)
    invitation = (
        PicketInvitation.objects.select_related(
            "representative", "answer_day", "picket_line__dispute__employer", "picket_line__clp"
        )
        .filter(pk=ids[0], sent_at__isnull=False)
        .first()
        if ids
        else None
    )
    if invitation is None:
        response = _refused(request, "gone" if ids else "forged")
    else:
        days = invitations.answer_days(invitation)
        if not days:
            response = _refused(request, "over", invitation, status=410)
        else:
            response = _answer_page(request, token, invitation, days)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _answer_page(request, token, invitation, days) -> HttpResponse:
    form = AnswerForm(request.POST if request.method == "POST" else None, days=days)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.answer_record(
                invitation=invitation,
                answer=form.cleaned_data["answer"],
                day=form.cleaned_data["action_day"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, THANKS[Answer(form.cleaned_data["answer"])])
            return redirect(request.path)
    line = invitation.picket_line
    return render(
        request,
        "pickets/public/answer.html",
        {
            "invitation": invitation,
            "rep": invitation.representative,
            "line": line,
            "clp": line.clp,
            "days": days,
            "form": form,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )
