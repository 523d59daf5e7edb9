"""The signed links in emails about a picket line: confirming a sign-up made on the public page,
taking one back ("I can't come after all"), and an elected representative's answer to an
invitation. Each names its record; a GET shows a button and the POST behind it acts, because
mail scanners follow every link."""

from django.conf import settings
from django.urls import reverse

from clps.links import LinkSigner

from .models import PicketSignup

CONFIRM_LINKS = LinkSigner("picket-signup-confirm")
CANCEL_LINKS = LinkSigner("picket-signup-cancel")


def _absolute(name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])


def confirm_url(signup: PicketSignup) -> str:
    return _absolute("pickets_going:confirm", CONFIRM_LINKS.sign(signup.pk))


def cancel_url(signup: PicketSignup) -> str:
    return _absolute("pickets_going:cancel", CANCEL_LINKS.sign(signup.pk))


# An elected representative's answer to an invitation to a picket line.
ANSWER_LINKS = LinkSigner("picket-invitation-answer")


def answer_url(invitation_id: int) -> str:
    return _absolute("pickets_invited:answer", ANSWER_LINKS.sign(invitation_id))
