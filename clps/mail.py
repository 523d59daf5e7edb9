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

# Headers written on one line when plain ASCII. A personal unsubscribe URL longer than the 78
# characters Python folds at would otherwise go out as RFC 2047 encoded-words, which mail
# programs do not decode in List-Unsubscribe; and Python folds a long subject straight after
# "Subject:", which some programs show as a leading space. RFC 5322 allows a line of up to 998.
WRITTEN_AS_THEY_STAND = frozenset({"list-unsubscribe", "list-id", "subject"})
MAX_LINE_LENGTH = 998


class _ListHeadersAsWritten(email.policy.EmailPolicy):
    """The backend's policy in all else (line endings, how bodies are encoded and folded), with
    the list headers written on one line each."""

    def _as_written(self, name: str, value: Any) -> str | None:
        text = str(value)
        if name.lower() in WRITTEN_AS_THEY_STAND and text.isascii():
            line = f"{name}: {text}"
            if len(line) <= MAX_LINE_LENGTH:
                return line + self.linesep
        return None

    def fold(self, name, value):
        return self._as_written(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        line = self._as_written(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


_POLICY_FIELDS = ("linesep", "cte_type", "utf8", "max_line_length", "raise_on_defect",
                  "mangle_from_", "refold_source")  # fmt: skip
_policies: dict[tuple, _ListHeadersAsWritten] = {}


def _list_headers_as_written(policy: email.policy.EmailPolicy) -> _ListHeadersAsWritten:
    key = tuple(getattr(policy, field) for field in _POLICY_FIELDS)
    if key not in _policies:
        _policies[key] = _ListHeadersAsWritten(**dict(zip(_POLICY_FIELDS, key, strict=True)))
    return _policies[key]


def site_domain() -> str:
    """The host name of SITE_URL: Message-IDs and List-Ids are made on it."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


class Email(EmailMultiAlternatives):
    """An email whose headers go out as written, however long their URLs, with a Message-ID
    on the site's domain rather than the sending machine's."""

    def message(self, *, policy=email.policy.default):
        # The policy the backend asks for (the SMTP backend's ends lines with CRLF), with the
        # list headers written as they stand.
        msg = super().message(policy=_list_headers_as_written(policy))
        if not any(name.lower() == "message-id" for name in self.extra_headers):
            msg.replace_header("Message-ID", make_msgid(domain=site_domain()))
        return msg


class BatchEmail(AnymailMessageMixin, Email):
    """One call to the email service for many recipients, each with their own merge data and
    headers (anymail's merge_data and merge_headers)."""

    # anymail's own, declared here as anymail has no type hints; each keyed by recipient address.
    merge_data: dict[str, dict[str, Any]]
    merge_headers: dict[str, dict[str, str]]
    # Sent as the call's Idempotency-Key by a backend that knows one (clps.esp's Resend).
    idempotency_key: str | None = None


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
    than 429, refused recipients, an SMTP server's 5xx. A 5xx from a service, a 429, a timeout,
    a dropped connection or Resend's 409 for a call whose idempotency key is still being
    answered may pass next time."""
    if isinstance(exc, AnymailRecipientsRefused | smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    status = getattr(exc, "status_code", None)
    if status == 409 and "concurrent_idempotent_requests" in str(exc):
        return False  # Resend: the first call with this idempotency key has not finished yet
    return (
        isinstance(exc, AnymailAPIError)
        and status is not None
        and 400 <= status < 500
        and status != 429
    )
