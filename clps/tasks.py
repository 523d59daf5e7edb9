"""The outbox's one task lives beside the outbox (clps/outbox.py); named here so that Celery's
discovery of each app's tasks finds it."""

from .outbox import send_outgoing_mail

__all__ = ["send_outgoing_mail"]
