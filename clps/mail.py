"""One email builder: every message has a subject, a text part and an HTML part, rendered from
one context by the templates emails/<name>/subject.txt, body.txt and body.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def build_email(
    name: str, *, to: list[str], context: dict, headers: dict | None = None
) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}/subject.txt", context).split())
    message = EmailMultiAlternatives(
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
