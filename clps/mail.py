"""One email builder: every message has a subject, a text part and an HTML part, rendered from
one context by the templates emails/<name>/subject.txt, body.txt and body.html."""

import email.policy

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

# RFC 5322 allows 998 characters a line. At the default 78, Python encodes a header with a long
# word (a personal unsubscribe URL) as RFC 2047 encoded-words, which mail clients do not read in
# List-Unsubscribe.
LONG_LINES = email.policy.default.clone(max_line_length=998)


class Email(EmailMultiAlternatives):
    """An email whose headers go out as written, however long their URLs."""

    def message(self, *, policy=LONG_LINES):
        return super().message(policy=policy)


def build_email(name: str, *, to: list[str], context: dict, headers: dict | None = None) -> Email:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
    message = Email(
        subject=subject,
        body=render_to_string(f"emails/{name}/body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers or {},
    )
    message.attach_alternative(render_to_string(f"emails/{name}/body.html", context), "text/html")
    return message


def send_email(name: str, *, to: list[str], context: dict, headers: dict | None = None) -> None:
    build_email(name, to=to, context=context, headers=headers).send()
