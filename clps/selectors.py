from django.db.models import QuerySet

from .models import CLP, MailStatus, Membership, OutgoingMail, Role, User
from .pagination import Page, keyset_page


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("clp").order_by("clp__name")


def clps_open_to_join(*, user: User) -> QuerySet[CLP]:
    return CLP.objects.exclude(memberships__user=user).order_by("name")


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
