from allauth.account.adapter import DefaultAccountAdapter
from django.utils.html import strip_tags

from .mail import Email, compose, text_to_html


class AccountAdapter(DefaultAccountAdapter):
    """allauth as TU Liaison speaks: a refused sign-in says how long to wait and what else to do."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts, so sign-in is paused for this account or "
            "connection. Wait five minutes, then try again, or reset your password if you "
            "have forgotten it."
        ),
    }

    def render_mail(self, template_prefix, email, context, headers=None) -> Email:
        """allauth's emails (address confirmation, password reset, sign-in codes) through the
        app's one builder, with an HTML part made from the text where allauth has none."""
        rendered = super().render_mail(template_prefix, email, context, headers=headers)
        alternatives = getattr(rendered, "alternatives", [])
        html = next((body for body, kind in alternatives if kind == "text/html"), None)
        if rendered.content_subtype == "html":
            text, html = strip_tags(rendered.body), rendered.body
        else:
            text = rendered.body
        return compose(
            subject=rendered.subject,
            text=text,
            html=html or text_to_html(text),
            to=rendered.to,
            headers=headers,
        )
