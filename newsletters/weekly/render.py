"""The weekly email rendered once per CLP, with placeholders for each recipient's own links,
and each recipient's copy made from it by the one email builder: one message per recipient,
or one batch call to an email service with each recipient's links as merge data."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from clps.mail import Email, compose
from clps.share import share_links

from ..models import Digest, Subscriber
from ..services import list_id_header, list_unsubscribe_headers, manage_url, unsubscribe_url
from .selectors import DigestContent

# Stand-ins for each recipient's own links, replaced per recipient after rendering.
UNSUBSCRIBE_PLACEHOLDER = "__TULIAISON_UNSUBSCRIBE_URL__"

MANAGE_PLACEHOLDER = "__TULIAISON_MANAGE_URL__"

# Each recipient's copy carries its delivery's id, so an email service that honours an
# idempotency key drops a repeat sent after a worker died between the send and the commit.
IDEMPOTENCY_HEADER = "X-TU-Liaison-Delivery"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    web_html: str  # the web version: no one's personal links, share links instead


def web_url(clp_slug: str, week_start: datetime.date, *, site_url: str | None = None) -> str:
    """Where the week's email can be read in a browser, by anyone."""
    site = (site_url or settings.SITE_URL).rstrip("/")
    return site + reverse("newsletters_public:web_version", args=[clp_slug, week_start])


def render(content: DigestContent, *, site_url: str | None = None) -> Rendered:
    """Subject, text and HTML from one context, with placeholders for each recipient's links,
    and the web version from the same context."""
    site = (site_url or settings.SITE_URL).rstrip("/")
    clp = content.clp
    web = web_url(clp.slug, content.week_start, site_url=site)
    context = {
        "c": content,
        "clp": clp,
        "site_url": site,
        "calendar_url": site + reverse("pickets_public:calendar", args=[clp.slug]),
        "web_url": web,
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "manage_url": MANAGE_PLACEHOLDER,
    }
    subject = " ".join(render_to_string("emails/weekly_digest/subject.txt", context).split())
    web_context = {
        **context,
        "web": True,
        "subject": subject,
        "subscribe_url": site + reverse("newsletters_public:subscribe", args=[clp.slug]),
        "archive_url": site + reverse("newsletters_public:archive", args=[clp.slug]),
        "share": share_links(text=subject, url=web),
    }
    return Rendered(
        subject=subject,
        text=render_to_string("emails/weekly_digest/body.txt", context),
        html=render_to_string("emails/weekly_digest/body.html", context),
        web_html=render_to_string("emails/weekly_digest/body.html", web_context),
    )


def personalise(body: str, *, unsubscribe_url: str, manage_url: str) -> str:
    return body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url).replace(
        MANAGE_PLACEHOLDER, manage_url
    )


# Each recipient's links differ only in their token: the links and headers are made once with
# this stand-in, and the token swapped in per recipient (reversing URLs 100,000 times is slow).
_TOKEN = "TULIAISONTOKEN0STANDIN"  # noqa: S105 (not a secret: replaced by each token)


@dataclass(slots=True)
class Recipient:
    email: str
    token: str


@dataclass(slots=True)
class Claimed:
    """A delivery marked in flight, with what sending it needs: lighter than model instances,
    which cost more to make than the rest of a batch's work on the recipient."""

    pk: int
    subscriber_id: int | None
    subscriber: Recipient | None


class PersonalLinks:
    """Each recipient's links and headers, from templates made once."""

    def __init__(self, clp) -> None:
        stand_in = Subscriber(token=_TOKEN)
        self.unsubscribe_url, self.manage_url = unsubscribe_url(stand_in), manage_url(stand_in)
        headers = list_id_header(clp) | list_unsubscribe_headers(stand_in)
        # Headers the same for everyone go once per message, not once per recipient.
        self.common_headers = {k: v for k, v in headers.items() if _TOKEN not in v}
        self.headers = {k: v for k, v in headers.items() if _TOKEN in v}

    def links(self, delivery: Claimed) -> dict[str, str]:
        token = delivery.subscriber.token
        return {
            "unsubscribe_url": self.unsubscribe_url.replace(_TOKEN, token),
            "manage_url": self.manage_url.replace(_TOKEN, token),
        }

    def headers_for(self, delivery: Claimed) -> dict[str, str]:
        """The recipient's own headers; common_headers go with them."""
        token = delivery.subscriber.token
        headers = {name: value.replace(_TOKEN, token) for name, value in self.headers.items()}
        headers[IDEMPOTENCY_HEADER] = str(delivery.pk)
        return headers


def message_for(digest: Digest, delivery: Claimed, personal: PersonalLinks | None = None) -> Email:
    """One recipient's own copy, for email backends with no merge support (SMTP, files)."""
    personal = personal or PersonalLinks(digest.clp)
    links = personal.links(delivery)
    return compose(
        subject=digest.subject,
        text=personalise(digest.text, **links),
        html=personalise(digest.html, **links),
        to=[delivery.subscriber.email],
        headers={**personal.common_headers, **personal.headers_for(delivery)},
    )


def batch_message_for(
    digest: Digest, batch: list[Claimed], personal: PersonalLinks | None = None
) -> Email:
    """One API call for the whole batch: the digest as rendered, its placeholders turned into
    the email service's merge fields, each recipient's links and headers as their merge data.
    With merge data anymail sends each recipient a message of their own, so nobody sees
    another's address. Tracking webhooks find the delivery by the call's message id and the
    recipient.
    """
    personal = personal or PersonalLinks(digest.clp)
    # Mailgun fills in %recipient.KEY% from each recipient's merge data.
    fields = {key: f"%recipient.{key}%" for key in ("unsubscribe_url", "manage_url")}
    message = compose(
        subject=digest.subject,
        text=personalise(digest.text, **fields),
        html=personalise(digest.html, **fields),
        to=[d.subscriber.email for d in batch],
        headers=personal.common_headers,
        batch=True,
    )
    message.merge_data, message.merge_headers = {}, {}
    for d in batch:
        email = d.subscriber.email
        message.merge_data[email] = personal.links(d)
        message.merge_headers[email] = personal.headers_for(d)
    return message
