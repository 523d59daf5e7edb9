"""Events from the email service, through anymail's tracking webhooks (/anymail/<esp>/tracking/,
guarded by ANYMAIL["WEBHOOK_SECRET"] basic auth): a hard bounce or spam complaint stops every
CLP's email to the address; an unsubscribe at the service stops the weekly email.

Connected to anymail.signals.tracking in NewslettersConfig.ready(). An exception here makes
the webhook answer 500, and the service sends the event again later.
"""

import logging

from anymail.signals import AnymailTrackingEvent, EventType
from django.db.models import Q
from django.db.models.functions import Lower

from .models import Subscriber, SubscriberStatus, SuppressionReason, email_hash
from .services import normalise_email, subscriber_bounced, unsubscribe

logger = logging.getLogger(__name__)

# Anymail reports every Postmark bounce as "bounced", soft ones too, and SendGrid's "blocked"
# (a refusal that may pass later) as a "bounce": the ESP's own type says which were soft.
SOFT_BOUNCE_TYPES = {
    "softbounce",  # Postmark
    "transient",  # Postmark
    "dnserror",  # Postmark
    "blocked",  # SendGrid: type "blocked" rather than "bounce"
}


def is_hard_bounce(event: AnymailTrackingEvent) -> bool:
    """A "bounced" event that will not get better by trying again. Deferrals are never one."""
    if event.event_type != EventType.BOUNCED:
        return False
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    esp_type = raw.get("Type") or raw.get("type") or ""
    return not (isinstance(esp_type, str) and esp_type.lower() in SOFT_BOUNCE_TYPES)


def _subscribers_with_address(email: str):
    return Subscriber.objects.alias(email_lower=Lower("email")).filter(
        Q(email_hash=email_hash(email)) | Q(email_lower=email.lower())
    )


def unsubscribed_at_esp(event: AnymailTrackingEvent, email: str) -> int:
    """The recipient unsubscribed through the service: from the CLP whose email it was, when the
    message is one of our deliveries; otherwise from every CLP's list that has the address,
    since the service has stopped sending to it whichever CLP sends. Bounced and complained
    subscribers keep their status. Returns how many subscribers changed."""
    candidates = _subscribers_with_address(email).exclude(
        status__in=[
            SubscriberStatus.UNSUBSCRIBED,
            SubscriberStatus.BOUNCED,
            SubscriberStatus.COMPLAINED,
        ]
    )
    by_message = Subscriber.objects.none()
    if event.message_id:
        by_message = _subscribers_with_address(email).filter(
            deliveries__esp_message_id=event.message_id
        )
    if by_message.exists():
        candidates = candidates.filter(pk__in=by_message.values("pk"))
    changed = 0
    for subscriber in candidates.distinct():
        unsubscribe(subscriber=subscriber)
        changed += 1
    return changed


def handle_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Receiver for anymail.signals.tracking. Other events (delivered, opened, deferred, soft
    bounces...) change nothing. The address is never logged."""
    email = normalise_email(event.recipient or "")
    if "@" not in email:
        return
    if event.event_type == EventType.BOUNCED and is_hard_bounce(event):
        changed = subscriber_bounced(email=email, reason=SuppressionReason.BOUNCED)
    elif event.event_type == EventType.COMPLAINED:
        changed = subscriber_bounced(email=email, reason=SuppressionReason.COMPLAINED)
    elif event.event_type == EventType.UNSUBSCRIBED:
        changed = unsubscribed_at_esp(event, email)
    else:
        return
    logger.info(
        "%s %s event (id %s): %d subscriber(s) changed",
        esp_name,
        event.event_type,
        event.event_id,
        changed,
    )
