"""anymail's Resend backend, taught through its extension points (a backend and a payload of our
own) what the weekly email's batch send needs from it:

- each recipient's own body on the batch path. Resend's /emails/batch has no templating, so
  anymail refuses merge_data there; ours fills each recipient's merge fields (`{{key}}`) into
  the subject, text and HTML in this process, one email per recipient in one call.
- an `Idempotency-Key` header from the message's `idempotency_key`: Resend answers a repeat of
  the key with the same body from the first call, sending nothing, for 24 hours.

Everything else, single sends included, is anymail's own."""

import re
from typing import Any

from anymail.backends.resend import EmailBackend as AnymailResendBackend
from anymail.backends.resend import ResendPayload as AnymailResendPayload
from anymail.utils import CaseInsensitiveCasePreservingDict

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"

# Resend takes up to 100 emails in one call to /emails/batch.
RESEND_BATCH_LIMIT = 100


def merge_field(key: str) -> str:
    """How a merge field is written in a message for our Resend backend."""
    return "{{" + key + "}}"


_FIELD = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")


class _Template:
    """A text split once at its merge fields, so each recipient's copy is one join."""

    def __init__(self, text: str, keys: set[str]) -> None:
        parts = _FIELD.split(text)
        # parts alternate literal, key, literal, ...; a {{name}} that is no merge field stays.
        self.parts: list[str] = []
        self.keys: list[str] = []
        literal = parts[0]
        for i in range(1, len(parts), 2):
            key, after = parts[i], parts[i + 1]
            if key in keys:
                self.parts.append(literal)
                self.keys.append(key)
                literal = after
            else:
                literal += merge_field(key) + after
        self.parts.append(literal)

    def fill(self, values: dict[str, Any]) -> str:
        if not self.keys:
            return self.parts[0]
        out = [self.parts[0]]
        for key, literal in zip(self.keys, self.parts[1:], strict=True):
            out.append(str(values.get(key, "")))
            out.append(literal)
        return "".join(out)


class ResendPayload(AnymailResendPayload):
    def __init__(self, message, defaults, backend, *args, **kwargs):
        self.merge_data: dict[str, dict[str, Any]] = {}
        super().__init__(message, defaults, backend, *args, **kwargs)
        key = getattr(message, "idempotency_key", None)
        if key:
            self.headers[IDEMPOTENCY_KEY_HEADER] = key

    def set_merge_data(self, merge_data):
        self.merge_data = merge_data  # filled in per recipient by serialize_data

    def serialize_data(self):
        if not self.is_batch():
            return super().serialize_data()
        keys = {key for values in self.merge_data.values() for key in values}
        templates = {
            field: _Template(self.data[field], keys)
            for field in ("subject", "text", "html")
            if field in self.data
        }
        common = {k: v for k, v in self.data.items() if k != "to"}
        headers = common.pop("headers", {})
        payload = []
        for to_email, to in zip(self.data.get("to", []), self.to_recipients, strict=True):
            own = self.merge_data.get(to.addr_spec, {})
            email = {**common, "to": [to_email]}
            for field, template in templates.items():
                email[field] = template.fill(own)
            email_headers = dict(headers)
            if self.merge_metadata:  # anymail's way with metadata: a header of JSON
                email_headers["X-Metadata"] = self.serialize_json(
                    {**self.metadata, **self.merge_metadata.get(to.addr_spec, {})}
                )
            if to.addr_spec in self.merge_headers:
                merged = CaseInsensitiveCasePreservingDict(email_headers)
                merged.update(self.merge_headers[to.addr_spec])
                email_headers = dict(merged)
            if email_headers:
                email["headers"] = email_headers
            payload.append(email)
        return self.serialize_json(payload)


class EmailBackend(AnymailResendBackend):
    """anymail's Resend backend with per-recipient bodies on the batch path and idempotency
    keys. Set as MAIL_BACKEND (`clps.esp.EmailBackend`), or made from anymail's own by
    `for_batches` for the weekly send."""

    def build_message_payload(self, message, defaults):
        return ResendPayload(message, defaults, self)


def for_batches(connection):
    """The backend for a batch send: ours in place of anymail's Resend backend, with the same
    settings; any other backend as it is."""
    if type(connection) is AnymailResendBackend:
        return EmailBackend(
            api_key=connection.api_key,
            api_url=connection.api_url,
            timeout=connection.timeout,
            fail_silently=connection.fail_silently,
        )
    return connection
