"""The audit trail of changes to personal data that keep no edit history of their own.

Any app may call down to this; it imports nothing above the ground floor. Records name rows by
id, never by email or name.
"""

from .models import CLP, AuditAction, AuditEvent, User


def record_event(
    *,
    action: str,
    clp: CLP | int | None = None,
    actor: User | None = None,
    object_type: str = "",
    object_id: int | None = None,
    count: int = 1,
) -> AuditEvent:
    """Write one audit row, in the caller's transaction, so it lasts only if the change does.

    `clp` may be given as an id, as bulk changes know only that. An anonymous actor (the
    subscriber following a link, the email service, a scheduled job) is recorded as None.
    """
    clp_id = clp.pk if isinstance(clp, CLP) else clp
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        clp_id=clp_id,
        action=AuditAction(action),
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        count=count,
    )


def record_counts(*, action: str, counts: dict[int | None, int], object_type: str = "") -> None:
    """One audit row per CLP for a bulk change: {clp id: rows touched}. Nothing for no rows."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(clp_id=clp_id, action=AuditAction(action), object_type=object_type, count=n)
            for clp_id, n in counts.items()
            if n
        ]
    )
