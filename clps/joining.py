"""Joining a CLP: a request that a TULO approves or declines (unless the CLP's joining is open),
or an invitation by email with a role.

Each write runs in one transaction, leaves a row in the audit log and writes its emails to the
outbox, which sends them once the transaction commits. Doing a thing twice (a double click, two
tabs, two TULOs at once) changes nothing the second time and emails nobody again.
"""

import datetime
import enum
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from . import services
from .audit import record_event
from .models import (
    CLP,
    ROLE_RANK,
    AuditAction,
    Invitation,
    JoinOutcome,
    JoinRequest,
    Membership,
    Role,
    User,
)
from .outbox import queue_email

INVITATION_LIFETIME = datetime.timedelta(days=14)
# The width of the token in a link (token_urlsafe(32) makes 43 characters): anything longer is
# turned away without a query.
TOKEN_MAX_LENGTH = 64


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _tulo_addresses(clp: CLP) -> list[str]:
    return list(
        Membership.objects.filter(clp=clp, role=Role.TULO, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _close_open_requests(*, clp: CLP, user: User, by: User | None) -> None:
    """Someone who is now in the CLP (by any way in) has no request left waiting there."""
    JoinRequest.objects.filter(clp=clp, user=user, decided_at__isnull=True).update(
        decided_at=timezone.now(), decided_by=by, outcome=JoinOutcome.APPROVED
    )


# Asking to join -----------------------------------------------------------------------------------


def clp_join(*, clp: CLP, user: User) -> Membership | JoinRequest:
    """A signed-in user joins the CLP as a member at once if its joining is open; otherwise
    their request waits for a TULO, and every TULO of the CLP is emailed. A member who asks
    again, or someone whose request is already waiting, changes nothing."""
    membership = Membership.objects.filter(clp=clp, user=user).first()
    if membership is not None:
        return membership
    if clp.open_joining:
        with transaction.atomic():
            membership = services.clp_join(clp=clp, user=user)
            _close_open_requests(clp=clp, user=user, by=None)
        return membership
    waiting = JoinRequest.objects.filter(clp=clp, user=user, decided_at__isnull=True).first()
    if waiting is not None:
        return waiting
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(clp=clp, user=user)
            record_event(
                action=AuditAction.JOIN_REQUESTED,
                clp=clp,
                actor=user,
                object_type="join_request",
                object_id=join_request.pk,
            )
            context = {
                "clp": clp,
                "person": user,
                "url": _site_url(reverse("clps:people", args=[clp.slug])),
            }
            for address in _tulo_addresses(clp):
                queue_email("join_requested", to=address, clp=clp, context=context)
    except IntegrityError:
        # Their other click got there first: that request, and its emails, stand.
        return JoinRequest.objects.get(clp=clp, user=user, decided_at__isnull=True)
    return join_request


@transaction.atomic
def join_request_decide(*, join_request: JoinRequest, by: User, outcome: str) -> bool:
    """A TULO approves (the person becomes a member) or declines an open request, and the
    person is told by email. False if it had already been decided: nothing changes."""
    locked = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("clp", "user")
        .get(pk=join_request.pk)
    )
    if locked.decided_at is not None:
        return False
    outcome = JoinOutcome(outcome)
    locked.decided_at, locked.decided_by, locked.outcome = timezone.now(), by, outcome
    locked.save(update_fields=["decided_at", "decided_by", "outcome"])
    clp, person = locked.clp, locked.user
    if outcome == JoinOutcome.APPROVED:
        Membership.objects.get_or_create(clp=clp, user=person, defaults={"role": Role.MEMBER})
    record_event(
        action=AuditAction.JOIN_APPROVED
        if outcome == JoinOutcome.APPROVED
        else AuditAction.JOIN_DECLINED,
        clp=clp,
        actor=by,
        object_type="join_request",
        object_id=locked.pk,
    )
    if person.is_active:
        context = {
            "clp": clp,
            "person": person,
            "url": _site_url(reverse("clps:home", args=[clp.slug])),
        }
        queue_email(f"join_{outcome}", to=person.email, clp=clp, context=context)
    return True


# Invitations --------------------------------------------------------------------------------------


class InvitationState(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class InvitationClosed(Exception):
    """The invitation can no longer be accepted: it was used, revoked or has expired."""

    def __init__(self, state: InvitationState):
        super().__init__(state.value)
        self.state = state


def invitation_state(
    invitation: Invitation, *, now: datetime.datetime | None = None
) -> InvitationState:
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.is_expired(now):
        return InvitationState.EXPIRED
    return InvitationState.OPEN


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is kept of a link's token. The token is 256 random bits, so a plain hash is as
    strong as a keyed one, and outlives a change of the site's secret key."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return _site_url(reverse("clps_public:invitation", args=[token]))


def _already_invited(invitation: Invitation) -> ValidationError:
    expires = timezone.localtime(invitation.expires_at)
    return ValidationError(
        "%(email)s already has an invitation to this CLP that works until %(expires)s. Revoke "
        "it below first if you want to send a new one.",
        params={"email": invitation.email, "expires": f"{expires:%-d %B %Y, %H:%M}"},
        code="already_invited",
    )


def invitation_send(*, clp: CLP, email: str, role: str, by: User | None) -> tuple[Invitation, str]:
    """Invite an address to join the CLP with a role, and email it the link; returns the
    invitation and its link. An address whose invitation still works is refused (a
    ValidationError saying so); one whose invitation has expired gets a new link."""
    email, role = email.strip(), Role(role)
    token, now = new_token(), timezone.now()
    try:
        with transaction.atomic():
            still_open = (
                Invitation.objects.select_for_update()
                .filter(clp=clp, email__iexact=email, accepted_at=None, revoked_at=None)
                .first()
            )
            if still_open is not None:
                if not still_open.is_expired(now):
                    raise _already_invited(still_open)
                still_open.revoked_at = now  # the new link replaces it
                still_open.save(update_fields=["revoked_at"])
            invitation = Invitation.objects.create(
                clp=clp,
                email=email,
                role=role,
                invited_by=by,
                token_hash=token_digest(token),
                created_at=now,
                expires_at=now + INVITATION_LIFETIME,
            )
            record_event(
                action=AuditAction.INVITED,
                clp=clp,
                actor=by,
                object_type="invitation",
                object_id=invitation.pk,
            )
            url = invitation_url(token)
            context = {"clp": clp, "invitation": invitation, "inviter": by, "url": url}
            queue_email("invitation", to=email, clp=clp, context=context)
    except IntegrityError:
        # Another TULO (or another click) invited the address at the same moment.
        raise _already_invited(
            Invitation.objects.get(clp=clp, email__iexact=email, accepted_at=None, revoked_at=None)
        ) from None
    return invitation, url


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The signed-in user takes up the invitation: they join the CLP with its role, or keep
    the role they have if it is higher (an invitation never lowers anyone's role, so it never
    leaves a CLP without a TULO). Raises InvitationClosed if it was used, revoked or has
    expired; then nothing changes."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("clp")
            .get(pk=invitation.pk)
        )
        state = invitation_state(locked)
        if state != InvitationState.OPEN:
            raise InvitationClosed(state)
        clp = locked.clp
        membership, created = Membership.objects.get_or_create(
            clp=clp, user=user, defaults={"role": locked.role}
        )
        if not created and ROLE_RANK[Role(locked.role)] > ROLE_RANK[Role(membership.role)]:
            membership.role = locked.role
            membership.save(update_fields=["role"])
        locked.accepted_at, locked.accepted_by = timezone.now(), user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        _close_open_requests(clp=clp, user=user, by=locked.invited_by)
        record_event(
            action=AuditAction.INVITATION_ACCEPTED,
            clp=clp,
            actor=user,
            object_type="invitation",
            object_id=locked.pk,
        )
    return membership


def invitation_revoke(*, invitation: Invitation, by: User) -> bool:
    """The link stops working. False if it had already been used or revoked."""
    with transaction.atomic():
        revoked = Invitation.objects.filter(
            pk=invitation.pk, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        if revoked:
            record_event(
                action=AuditAction.INVITATION_REVOKED,
                clp=invitation.clp_id,
                actor=by,
                object_type="invitation",
                object_id=invitation.pk,
            )
    return bool(revoked)


# Creating a CLP -----------------------------------------------------------------------------------


def clp_create_with_tulo(*, name: str, slug: str, tulo_email: str) -> tuple[CLP, str]:
    """A new CLP, and an invitation as its TULO to the address; returns the CLP and the link.
    A slug or name already taken is a ValidationError."""
    with transaction.atomic():
        if CLP.objects.filter(slug=slug).exists():
            raise ValidationError(f"A CLP with the slug “{slug}” already exists.")
        if CLP.objects.filter(name=name).exists():
            raise ValidationError(f"A CLP named “{name}” already exists.")
        clp = CLP.objects.create(name=name, slug=slug)
        _, url = invitation_send(clp=clp, email=tulo_email, role=Role.TULO, by=None)
    return clp, url
