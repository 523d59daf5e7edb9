"""The one email builder. Every email the app sends is made by `compose` (or `compose_batch`, the
same message for an email service's batch call): a subject, a text part and an HTML part, the
site's sender, a Message-ID on the site's domain, and headers that go out as written.
`build_email` renders the three parts from one context with the templates
emails/<name>/subject.txt, body.txt and body.html; the weekly email, rendered once for a whole
CLP, passes its parts to `compose` or `compose_batch` directly."""

import email.policy
import smtplib
import unicodedata
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from anymail.message import AnymailMessageMixin
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import linebreaks, urlize

# RFC 5322 allows 998 characters a line. At the default 78, Python encodes a header with a long
# word (a personal unsubscribe URL) as RFC 2047 encoded-words, which mail clients do not read in
# List-Unsubscribe.
MAX_LINE_LENGTH = 998


def site_domain() -> str:
    """The host name of SITE_URL: Message-IDs and List-Ids are made on it."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


class Email(EmailMultiAlternatives):
    """An email whose headers go out as written, however long their URLs, with a Message-ID
    on the site's domain rather than the sending machine's."""

    def message(self, *, policy=email.policy.default):
        # Whatever policy the backend asks for (the SMTP backend's folds at 78 and ends lines
        # with CRLF), with its line length raised.
        msg = super().message(policy=policy.clone(max_line_length=MAX_LINE_LENGTH))
        if not any(name.lower() == "message-id" for name in self.extra_headers):
            msg.replace_header("Message-ID", make_msgid(domain=site_domain()))
        return msg


class BatchEmail(AnymailMessageMixin, Email):
    """One call to the email service for many recipients, each with their own merge data and
    headers (anymail's merge_data and merge_headers)."""

    # anymail's own, declared here as anymail has no type hints; each keyed by recipient address.
    merge_data: dict[str, dict[str, Any]]
    merge_headers: dict[str, dict[str, str]]


def list_id(*, name: str, key: str) -> str:
    """An RFC 2919 List-Id: the list's name as a phrase and a unique id under the site's
    domain, e.g. `"Hackney North weekly email" <hackney-north.weekly.example.org>`."""
    # Folded to ASCII: a non-ASCII phrase would be sent as an encoded-word, which some mail
    # programs show raw when they filter on the list.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    phrase = ascii_name.replace("\\", "").replace('"', "").strip()
    return f'"{phrase}" <{key}.{site_domain()}>'


def _message[M: Email](
    kind: type[M],
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    headers: dict[str, str] | None,
    reply_to: list[str] | None,
) -> M:
    message = kind(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def compose(
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    headers: dict[str, str] | None = None,
    reply_to: list[str] | None = None,
) -> Email:
    """The message itself."""
    return _message(
        Email, subject=subject, text=text, html=html, to=to, headers=headers, reply_to=reply_to
    )


def compose_batch(
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    headers: dict[str, str] | None = None,
) -> BatchEmail:
    """The message for an email service's batch call, made as `compose` makes one; the caller
    sets each recipient's merge_data and merge_headers."""
    return _message(
        BatchEmail, subject=subject, text=text, html=html, to=to, headers=headers, reply_to=None
    )


def text_to_html(text: str) -> str:
    """An HTML part for a message written as text alone (allauth's): paragraphs and links."""
    return linebreaks(urlize(text, autoescape=True))


def build_email(
    name: str,
    *,
    to: list[str],
    context: dict,
    headers: dict[str, str] | None = None,
    reply_to: list[str] | None = None,
) -> Email:
    context = {"site_url": settings.SITE_URL, **context}
    return compose(
        subject=render_to_string(f"emails/{name}/subject.txt", context),
        text=render_to_string(f"emails/{name}/body.txt", context),
        html=render_to_string(f"emails/{name}/body.html", context),
        to=to,
        headers=headers,
        reply_to=reply_to,
    )


def is_permanent(exc: Exception) -> bool:
    """A refusal that will come again the same way, so no retry: an email service's 4xx other
    than 429, refused recipients, an SMTP server's 5xx. A 5xx from a service, a 429, a timeout
    or a dropped connection may pass next time."""
    if isinstance(exc, AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    status = getattr(exc, "status_code", None)
    return (
        isinstance(exc, AnymailAPIError)
        and status is not None
        and 400 <= status < 500
        and status != 429
    )
