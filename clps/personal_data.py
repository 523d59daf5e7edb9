"""What the ground floor holds about a person: their account, the addresses it has used, their
memberships, their requests to join and invitations, and the audit rows they made. The privacy
app gives a copy of it and erases it (requests and invitations through its registry, as
privacy.ground_floor offers them); every other app offers its own part through the registry."""

import datetime
import secrets
from collections.abc import Sequence
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .audit import record_counts
from .models import (
    CLP,
    AuditAction,
    AuditEvent,
    Invitation,
    JoinRequest,
    Membership,
    OutgoingMail,
    User,
)

# An erased person's place in anonymous counts is kept by an account with an address here.
ERASED_DOMAIN = "erased.invalid"


def is_erased_placeholder(user: User | None) -> bool:
    return user is not None and user.email.endswith("@" + ERASED_DOMAIN)


def iso_time(value: datetime.datetime | None) -> str | None:
    """A time in a copy of someone's data: London time, as ISO 8601."""
    return timezone.localtime(value).isoformat() if value else None


def iso_day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def in_or_outside(qs: QuerySet, *, clp_path: str, clp: CLP, elsewhere: bool) -> QuerySet:
    """The rows of `qs` the CLP holds, or with `elsewhere` those any other CLP holds."""
    mine = {clp_path: clp}
    return qs.exclude(**mine) if elsewhere else qs.filter(**mine)


# Finding the account ------------------------------------------------------------------------------


def account_with(email: str) -> User | None:
    """The account whose sign-in address this is, or that added it as another address."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user")
        user = next((a.user for a in address), None)
    return user


def addresses(email: str, user: User | None) -> list[str]:
    """The address asked about and, for an account, every address it has used, each once."""
    found = [email]
    if user is not None:
        found += [
            user.email,
            *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
        ]
    unique: dict[str, str] = {}
    for address in found:
        unique.setdefault(address.strip().lower(), address.strip())
    return list(unique.values())


def memberships_tie(*, user: User, clp: CLP, elsewhere: bool = False) -> bool:
    """Whether the account is a member of the CLP (or, `elsewhere`, of any other)."""
    memberships = Membership.objects.filter(user=user)
    return in_or_outside(memberships, clp_path="clp", clp=clp, elsewhere=elsewhere).exists()


# A copy -------------------------------------------------------------------------------------------


def account_export(*, user: User, clp: CLP | None) -> tuple[dict, list[dict]]:
    """The account, and its memberships: within a CLP, only that CLP's, and nothing of the
    account the CLP did not give it (other addresses, two-factor sign-in)."""
    account: dict[str, Any] = {
        "email": user.email,
        "name": user.name,
        "joined": iso_time(user.date_joined),
        "last_signed_in": iso_time(user.last_login),
        "active": user.is_active,
    }
    if clp is None:
        account["site_admin"] = user.is_staff
        account["email_addresses"] = [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ]
        account["two_factor_sign_in"] = [
            {"type": a.get_type_display(), "set_up": iso_time(a.created_at)}
            for a in Authenticator.objects.filter(user=user).order_by("pk")
        ]
    memberships = Membership.objects.filter(user=user).select_related("clp").order_by("clp__name")
    if clp is not None:
        memberships = memberships.filter(clp=clp)
    return account, [
        {"clp": m.clp.name, "role": m.get_role_display(), "since": iso_time(m.created_at)}
        for m in memberships
    ]


def audit_entries_export(*, user: User, clp: CLP | None) -> list[dict]:
    """What the audit log records the person doing (never whom it was done to)."""
    events = AuditEvent.objects.filter(actor=user).select_related("clp")
    if clp is not None:
        events = events.filter(clp=clp)
    return [
        {
            "what": e.get_action_display(),
            "clp": e.clp.name if e.clp else "",
            "at": iso_time(e.created_at),
        }
        for e in events.order_by("created_at", "pk")
    ]


# Erasure ------------------------------------------------------------------------------------------


def membership_clp_ids(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("clp_id", flat=True))


def _placeholder() -> User:
    """An account that can never sign in, standing in for the erased person wherever a count
    depends on one distinct person (the members who went on a visit)."""
    placeholder = User(
        email=f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}",
        name="Erased person",
        is_active=False,
    )
    placeholder.set_unusable_password()
    placeholder.save()
    return placeholder


def _user_references() -> list[tuple[type[models.Model], models.Field]]:
    """Every column that points at an account and would outlive it: SET_NULL and DO_NOTHING
    foreign keys (edit history's included), and many-to-many rows such as who went on a visit.
    Those that cascade go with the account."""
    found: list[tuple[type[models.Model], models.Field]] = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        declared_on = model._meta.auto_created
        for f in model._meta.concrete_fields:
            # A foreign key (not one-to-one) to an account.
            if not (isinstance(f, models.ForeignKey) and f.many_to_one and f.related_model is User):
                continue
            if declared_on:  # a many-to-many's rows
                if declared_on is not User:
                    found.append((model, f))
            elif f.remote_field.on_delete is not models.CASCADE:
                found.append((model, f))
    return found


def _sessions_of(user: User) -> list[str]:
    keys = []
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.append(session.session_key)
    return keys


def account_erase(*, user: User) -> int:
    """Delete the account, in the caller's transaction, once every app has taken what it needs
    from it. Whatever points at it and outlives it points at a placeholder instead. Returns how
    many sign-in sessions went with it."""
    sessions = Session.objects.filter(session_key__in=_sessions_of(user)).delete()[0]
    placeholder = _placeholder()
    for model, f in _user_references():
        model._base_manager.filter(**{f.attname: user.pk}).update(**{f.attname: placeholder.pk})
    # The account, its memberships, sign-ups, addresses and authenticators go together.
    user.delete()
    return sessions


# The outbox ---------------------------------------------------------------------------------------

# A one-off email (a reminder, a confirmation, a notice) is kept this long after it was written,
# so the TULO can see what went and send again what failed; then it is deleted.
OUTGOING_MAIL_DAYS = 90


def _outgoing_mail_to(emails: list[str]) -> QuerySet[OutgoingMail]:
    query = models.Q()
    for email in emails:
        query |= models.Q(to__iexact=email)
    return OutgoingMail.objects.filter(query) if emails else OutgoingMail.objects.none()


def outgoing_mail_export(*, emails: list[str], clp: CLP | None) -> list[dict]:
    """The emails the app wrote to these addresses and still keeps, without their bodies' links."""
    rows = _outgoing_mail_to(emails).select_related("clp").order_by("created_at", "pk")
    if clp is not None:
        rows = rows.filter(clp=clp)
    return [
        {
            "clp": m.clp.name if m.clp else None,
            "to": m.to,
            "subject": m.subject,
            "status": m.get_status_display(),
            "written_at": iso_time(m.created_at),
            "sent_at": iso_time(m.sent_at),
        }
        for m in rows
    ]


def outgoing_mail_erase(*, emails: list[str], clp: CLP | None = None) -> int:
    """Every email kept that was written to these addresses goes: the CLP's, or with no CLP
    every one."""
    rows = _outgoing_mail_to(emails)
    if clp is not None:
        rows = rows.filter(clp=clp)
    deleted, _ = rows.delete()
    return deleted


def outgoing_mail_retention(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = OutgoingMail.objects.filter(
        created_at__lt=now - datetime.timedelta(days=OUTGOING_MAIL_DAYS)
    ).delete()
    return deleted


# Requests to join and invitations -----------------------------------------------------------------

# A request to join, once answered, and an invitation, once used, revoked or expired, is kept
# this long (so the TULO can see who was let in, and how), then deleted.
JOINING_DAYS = 90


def invitations_to(emails: list[str]) -> QuerySet[Invitation]:
    """Invitations sent to any of these addresses, whatever their case, in every CLP."""
    if not emails:
        return Invitation.objects.none()
    query = models.Q()
    for email in emails:
        query |= models.Q(email__iexact=email.strip())
    return Invitation.objects.filter(query)


def joining_ties(*, user: User, clp: CLP, elsewhere: bool = False) -> bool:
    """Whether the CLP (or, `elsewhere`, any other) holds a request to join by the account or
    an invitation it accepted."""
    requests = in_or_outside(
        JoinRequest.objects.filter(user=user), clp_path="clp", clp=clp, elsewhere=elsewhere
    )
    accepted = in_or_outside(
        Invitation.objects.filter(accepted_by=user), clp_path="clp", clp=clp, elsewhere=elsewhere
    )
    return requests.exists() or accepted.exists()


def _state(invitation: Invitation) -> str:
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    return "expired" if invitation.is_expired() else "waiting"


def joining_export(
    *, user: User | None, invitations: Sequence[Invitation], clp: CLP | None
) -> dict[str, list[dict]]:
    """The account's requests to join, and the invitations sent to the person's addresses or
    accepted by the account, within the CLP (or everywhere)."""
    requests = JoinRequest.objects.none()
    if user is not None:
        requests = JoinRequest.objects.filter(user=user).select_related("clp")
        accepted = Invitation.objects.filter(accepted_by=user).select_related("clp")
        if clp is not None:
            requests, accepted = requests.filter(clp=clp), accepted.filter(clp=clp)
        invitations = list({i.pk: i for i in [*invitations, *accepted]}.values())
    return {
        "join_requests": [
            {
                "clp": r.clp.name,
                "asked_at": iso_time(r.created_at),
                "answer": r.get_outcome_display() or "waiting for the TULO",
                "answered_at": iso_time(r.decided_at),
            }
            for r in requests.order_by("created_at", "pk")
        ],
        "invitations": [
            {
                "clp": i.clp.name,
                "sent_to": i.email,
                "role": i.get_role_display(),
                "sent_at": iso_time(i.created_at),
                "expires_at": iso_time(i.expires_at),
                "state": _state(i),
                "accepted_at": iso_time(i.accepted_at),
                "accepted_by_you": user is not None and i.accepted_by_id == user.pk,
            }
            for i in sorted(invitations, key=lambda i: (i.created_at, i.pk))
        ],
    }


def joining_erase(*, user: User | None, emails: list[str]) -> tuple[int, int, set[int]]:
    """The person's requests to join and the invitations to their addresses or accepted by
    them go: how many of each, and the CLPs that held them."""
    requests = JoinRequest.objects.filter(user=user) if user else JoinRequest.objects.none()
    invitations = invitations_to(emails)
    if user is not None:
        invitations = invitations | Invitation.objects.filter(accepted_by=user)
    invitations = Invitation.objects.filter(pk__in=invitations.values("pk"))
    clp_ids = set(requests.values_list("clp_id", flat=True))
    clp_ids |= set(invitations.values_list("clp_id", flat=True))
    deleted_requests, _ = requests.delete()
    deleted_invitations, _ = invitations.delete()
    return deleted_requests, deleted_invitations, clp_ids


def _delete_counted(old: QuerySet, *, action: str, object_type: str) -> int:
    per_clp = dict(old.values_list("clp_id").annotate(n=models.Count("pk")).order_by())
    deleted, _ = old.delete()
    record_counts(action=action, counts=per_clp, object_type=object_type)
    return deleted


@transaction.atomic
def joining_retention(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Answered requests to join, and invitations used, revoked or expired, go JOINING_DAYS
    after that; each CLP's audit log counts them. A request still waiting stays."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=JOINING_DAYS)
    old_invitations = Invitation.objects.filter(
        models.Q(accepted_at__lt=cutoff)
        | models.Q(revoked_at__lt=cutoff)
        | models.Q(expires_at__lt=cutoff)
    )
    return {
        "join_requests": _delete_counted(
            JoinRequest.objects.filter(decided_at__lt=cutoff),
            action=AuditAction.JOIN_REQUESTS_EXPIRED,
            object_type="join_request",
        ),
        "invitations": _delete_counted(
            old_invitations, action=AuditAction.INVITATIONS_EXPIRED, object_type="invitation"
        ),
    }
