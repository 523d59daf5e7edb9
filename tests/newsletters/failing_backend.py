from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    """An email service that is down."""

    def send_messages(self, email_messages):
        raise ConnectionError("the email service is not answering")
