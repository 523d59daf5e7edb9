from django.db.models import Exists, OuterRef, QuerySet

from .joining import TOKEN_MAX_LENGTH, token_digest
from .models import CLP, Invitation, JoinRequest, MailStatus, Membership, OutgoingMail, Role, User
from .pagination import Page, keyset_page


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("clp").order_by("clp__name")


def clps_open_to_join(*, user: User) -> QuerySet[CLP]:
    """The CLPs the user is not in and has no request waiting at."""
    waiting = JoinRequest.objects.filter(clp=OuterRef("pk"), user=user, decided_at__isnull=True)
    return CLP.objects.exclude(memberships__user=user).exclude(Exists(waiting)).order_by("name")


def waiting_join_requests(*, user: User) -> QuerySet[JoinRequest]:
    """The user's requests to join that wait for a TULO."""
    return (
        JoinRequest.objects.filter(user=user, decided_at__isnull=True)
        .select_related("clp")
        .order_by("clp__name")
    )


def waiting_join_request(*, clp: CLP, user: User) -> JoinRequest | None:
    return JoinRequest.objects.filter(clp=clp, user=user, decided_at__isnull=True).first()


def open_join_requests_page(*, clp: CLP, cursor: str | None, size: int = 50) -> Page:
    """The CLP's requests to join that wait for a TULO, oldest first, a page at a time."""
    return keyset_page(
        JoinRequest.objects.filter(clp=clp, decided_at__isnull=True).select_related("user"),
        order=["created_at", "id"],
        cursor=cursor,
        size=size,
    )


def open_invitations_page(*, clp: CLP, cursor: str | None, size: int = 50) -> Page:
    """The CLP's invitations not yet used or revoked (expired ones too), newest first."""
    return keyset_page(
        Invitation.objects.filter(clp=clp, accepted_at=None, revoked_at=None).select_related(
            "invited_by"
        ),
        order=["-created_at", "-id"],
        cursor=cursor,
        size=size,
    )


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state; None for no such token."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.filter(token_hash=token_digest(token))
        .select_related("clp", "invited_by")
        .first()
    )


def people_page(*, clp: CLP, cursor: str | None) -> Page:
    """The CLP's people by role, then name, a page at a time."""
    return keyset_page(
        Membership.objects.filter(clp=clp).select_related("user"),
        order=["role", "user__name", "user__email", "id"],
        cursor=cursor,
        size=50,
    )


def tulo_count(*, clp: CLP) -> int:
    return Membership.objects.filter(clp=clp, role=Role.TULO).count()


def landing_url_name(membership: Membership) -> str:
    """Where a member of each role starts in their CLP."""
    return "dashboard" if membership.role == Role.TULO else "clps:home"


def outgoing_mail_page(*, clp: CLP, cursor: str | None) -> Page:
    """The CLP's one-off emails, newest first, a page at a time."""
    return keyset_page(
        OutgoingMail.objects.filter(clp=clp).only(
            "pk", "kind", "to", "subject", "status", "error", "created_at", "sent_at", "attempts"
        ),
        order=["-created_at", "-id"],
        cursor=cursor,
    )


def failed_mail_count(*, clp: CLP) -> int:
    return OutgoingMail.objects.filter(clp=clp, status=MailStatus.FAILED).count()
