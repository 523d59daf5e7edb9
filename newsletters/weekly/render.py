"""The weekly email rendered once per CLP, with placeholders for each recipient's own links,
and each recipient's copy made from it by the one email builder: one message per recipient,
or one batch call to an email service with each recipient's tokens as merge data."""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from clps.esp import merge_field
from clps.mail import BatchEmail, Email, compose, compose_batch, site_domain
from clps.share import share_links

from ..links import GO_LINKS, GO_ROUTE
from ..models import Digest, Subscriber
from ..services import list_id_header, list_unsubscribe_headers, manage_url, unsubscribe_url
from .content import DigestContent
from .wording import subject as subject_line
from .wording import wrap

# Stand-ins for each recipient's own links, replaced per recipient after rendering.
UNSUBSCRIBE_PLACEHOLDER = "__TULIAISON_UNSUBSCRIBE_URL__"

MANAGE_PLACEHOLDER = "__TULIAISON_MANAGE_URL__"

# Each recipient's own "I'll go" link for one day of one picket line.
GO_PLACEHOLDER = re.compile(r"__TULIAISON_GO_([0-9]+)_([0-9]+)__")


def go_placeholder(line_id: int, day_id: int) -> str:
    """Where a recipient's "I'll go" link for a day of a picket line goes in the rendered body."""
    return f"__TULIAISON_GO_{line_id}_{day_id}__"


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
    # Each day of a picket line gets the recipient's own "I'll go" link; the web version, which
    # is no one's, links to the picket line's page instead.
    context["picket_lines"] = [
        {
            **row,
            "days": [
                (day, going, go_placeholder(row["line"].pk, day.pk)) for day, going in row["days"]
            ],
        }
        for row in content.picket_lines
    ]
    context["subject"] = subject_line(content)
    subject = " ".join(render_to_string("emails/weekly_digest/subject.txt", context).split())
    web_context = {
        **context,
        "web": True,
        "subject": subject,
        "subscribe_url": site + reverse("newsletters_public:subscribe", args=[clp.slug]),
        "archive_url": site + reverse("newsletters_public:archive", args=[clp.slug]),
        "share": share_links(text=subject, url=web),
    }
    # The news, the same in the email and its web version, rendered once for both.
    context["news_html"] = web_context["news_html"] = render_to_string(
        "emails/weekly_digest/news.html", context
    )
    return Rendered(
        subject=subject,
        text=wrap(render_to_string("emails/weekly_digest/body.txt", context)),
        html=render_to_string("emails/weekly_digest/body.html", context),
        web_html=render_to_string("emails/weekly_digest/body.html", web_context),
    )


def no_ones_copy(
    body: str, clp_slug: str, *, unsubscribe_url: str = "#", manage_url: str = "#"
) -> str:
    """A copy for no one in particular (the TULO's preview and test send): each "I'll go"
    leads to the picket line's page."""
    site = settings.SITE_URL.rstrip("/")
    body = body.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url).replace(
        MANAGE_PLACEHOLDER, manage_url
    )
    return GO_PLACEHOLDER.sub(
        lambda m: site + reverse("pickets:picket_line", args=[clp_slug, int(m[1])]), body
    )


# Each recipient's links differ only in their tokens: the links and headers are made once with
# these stand-ins, and the tokens swapped in per recipient (reversing URLs 100,000 times is slow).
_TOKEN = "TULIAISONTOKEN0STANDIN"  # noqa: S105 (not a secret: replaced by each token)
_GO = "TULIAISONGO0STANDIN"

# The values each recipient's copy is made with (an email service's merge data): their
# subscription's token, in their unsubscribe and manage links, and, when the email offers
# picket days, their "I'll go" token, in the link for each day. Named so that nothing a TULO
# writes in the email ("{{token}}" in a note) is taken for one.
TOKEN_FIELD, GO_FIELD = "tuliaison_token", "tuliaison_go"


@dataclass(slots=True)
class Recipient:
    id: int
    email: str
    token: str


@dataclass(slots=True)
class Claimed:
    """A delivery marked in flight, with what sending it needs: lighter than model instances,
    which cost more to make than the rest of a batch's work on the recipient. A delivery whose
    subscriber was erased, or left the list before its first try, is claimed as
    sending.Unaddressed instead."""

    pk: int
    subscriber: Recipient
    batch: int | None = None


class PersonalLinks:
    """Each recipient's links and headers, from templates made once. A recipient's "I'll go"
    links share one token, signed for the recipient and the digest; each day's link adds the
    picket line and the day, which the link's page finds among those the digest offered."""

    def __init__(self, clp, digest: Digest | None = None) -> None:
        self.digest_id = digest.pk if digest is not None else None
        self.go = sorted(
            {(int(line), int(day)) for line, day in GO_PLACEHOLDER.findall(digest.html)}
            if digest is not None
            else set()
        )
        site = settings.SITE_URL.rstrip("/")
        self.go_urls = [
            (go_placeholder(line, day), site + reverse(GO_ROUTE, args=[_GO, line, day]))
            for line, day in self.go
        ]
        self.keys = [TOKEN_FIELD, *([GO_FIELD] if self.go else [])]
        stand_in = Subscriber(token=_TOKEN)
        self.unsubscribe_url, self.manage_url = unsubscribe_url(stand_in), manage_url(stand_in)
        headers = list_id_header(clp) | list_unsubscribe_headers(stand_in)
        # Headers the same for everyone go once per message, not once per recipient.
        self.common_headers = {k: v for k, v in headers.items() if _TOKEN not in v}
        self.headers = {k: v for k, v in headers.items() if _TOKEN in v}

    def fill(self, body: str, values: dict[str, str]) -> str:
        """A body with its links in place of the placeholders, made with these values (by
        TOKEN_FIELD and GO_FIELD): a recipient's own, or an email service's merge fields."""
        token, go = values[TOKEN_FIELD], values.get(GO_FIELD, "")
        body = body.replace(
            UNSUBSCRIBE_PLACEHOLDER, self.unsubscribe_url.replace(_TOKEN, token)
        ).replace(MANAGE_PLACEHOLDER, self.manage_url.replace(_TOKEN, token))
        for placeholder, url in self.go_urls:
            body = body.replace(placeholder, url.replace(_GO, go))
        return body

    def values(self, delivery: Claimed) -> dict[str, str]:
        """The recipient's own values for fill(): their merge data."""
        subscriber = delivery.subscriber
        if self.digest_id is None or not self.go:
            return {TOKEN_FIELD: subscriber.token}
        return {
            TOKEN_FIELD: subscriber.token,
            GO_FIELD: GO_LINKS.sign_ids(subscriber.id, self.digest_id),
        }

    def headers_for(self, delivery: Claimed) -> dict[str, str]:
        """The recipient's own headers; common_headers go with them."""
        token = delivery.subscriber.token
        headers = {name: value.replace(_TOKEN, token) for name, value in self.headers.items()}
        headers[IDEMPOTENCY_HEADER] = str(delivery.pk)
        return headers


def message_for(digest: Digest, delivery: Claimed, personal: PersonalLinks | None = None) -> Email:
    """One recipient's own copy, for email backends with no merge support (SMTP, files)."""
    personal = personal or PersonalLinks(digest.clp, digest)
    values = personal.values(delivery)
    return compose(
        subject=digest.subject,
        text=personal.fill(digest.text, values),
        html=personal.fill(digest.html, values),
        to=[delivery.subscriber.email],
        headers={**personal.common_headers, **personal.headers_for(delivery)},
    )


def idempotency_key(digest: Digest, batch: int | None) -> str:
    """The key an email service that honours one (Resend) knows a batch by: the site, the
    digest (with when it was built, so a restored or other database's digest of the same id is
    another) and the batch's stored number. The same on every retry of the batch."""
    built = int(digest.built_at.timestamp() * 1_000_000) if digest.built_at else 0
    return f"tuliaison/{site_domain()}/weekly/{digest.pk}.{built}/{batch}"


def batch_message_for(
    digest: Digest,
    batch: list[Claimed],
    personal: PersonalLinks | None = None,
    *,
    esp: str = "mailgun",
) -> BatchEmail:
    """One API call for the whole batch: the digest as rendered, its placeholders turned into
    the email service's merge fields, each recipient's tokens and headers as their merge data.
    With merge data anymail sends each recipient a message of their own, so nobody sees
    another's address. Tracking webhooks find the delivery by the call's message id and the
    recipient.

    Built only from what is stored (the digest, the batch's deliveries in order, their
    subscribers), so a retry of the batch is the same call, byte for byte, with the same
    idempotency key.
    """
    personal = personal or PersonalLinks(digest.clp, digest)
    # Mailgun fills in %recipient.KEY% from each recipient's merge data; for Resend, which has
    # no templates, our backend (clps.esp) fills in {{KEY}} before the call.
    if esp == "resend":
        fields = {key: merge_field(key) for key in personal.keys}
    else:
        fields = {key: f"%recipient.{key}%" for key in personal.keys}
    message = compose_batch(
        subject=digest.subject,
        text=personal.fill(digest.text, fields),
        html=personal.fill(digest.html, fields),
        to=[d.subscriber.email for d in batch],
        headers=personal.common_headers,
    )
    message.merge_data, message.merge_headers = {}, {}
    for d in batch:
        email = d.subscriber.email
        message.merge_data[email] = personal.values(d)
        message.merge_headers[email] = personal.headers_for(d)
    if esp == "resend":
        message.idempotency_key = idempotency_key(digest, batch[0].batch)
    return message
