"""anymail's Resend and Mailgun backends, taught through their extension points (a backend and
a payload of our own for each) what the weekly email's batch send needs from them:

- Resend: each recipient's own body on the batch path. Resend's /emails/batch has no
  templating, so anymail refuses merge_data there; ours fills each recipient's merge fields
  (`{{key}}`) into the subject, text and HTML in this process, one email per recipient in one
  call. And an `Idempotency-Key` header from the message's `idempotency_key`: Resend answers a
  repeat of the key with the same body from the first call, sending nothing, for 24 hours.
- Both: a plain address (`someone@example.org`, as every subscriber's is) is read without
  Python's email parser, which anymail runs on every recipient and which cost more than the
  rest of a batch's work on it. Anything else goes through anymail's own parser. Merge data of
  plain strings is copied without forcing each value as a lazy string.
- Mailgun: the call is sent as multipart/form-data, which Mailgun's API takes as it takes a
  urlencoded form, instead of percent-encoding every recipient's merge data byte by byte; a
  form of text fields alone is written here in one pass, the bytes urllib3 would write.
- Both: a call whose body is written already goes out through the urllib3 connection pool of
  the backend's own requests session, not through the session itself (`clps.esp_post`).

Everything else, single sends included, is anymail's own."""

import json
import re
from email.headerregistry import Address
from json.encoder import encode_basestring_ascii as _quoted  # json.dumps' own, for a string
from typing import Any

from anymail.backends.base import BasePayload
from anymail.backends.mailgun import EmailBackend as AnymailMailgunBackend
from anymail.backends.mailgun import MailgunPayload as AnymailMailgunPayload
from anymail.backends.resend import EmailBackend as AnymailResendBackend
from anymail.backends.resend import ResendPayload as AnymailResendPayload
from anymail.message import AnymailRecipientStatus
from anymail.utils import (
    CaseInsensitiveCasePreservingDict,
    EmailAddress,
    force_non_lazy_dict,
    parse_address_list,
)
from urllib3.fields import format_multipart_header_param
from urllib3.filepost import choose_boundary

from .esp_post import PoolPost

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"

# Resend takes up to 100 emails in one call to /emails/batch.
RESEND_BATCH_LIMIT = 100


def merge_field(key: str) -> str:
    """How a merge field is written in a message for our Resend backend."""
    return "{{" + key + "}}"


_FIELD = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")


def _json_inside(text: str) -> str:
    """A string as JSON writes it, without its quotes."""
    return _quoted(text)[1:-1]


def _json_pairs(data: dict[str, str]) -> str:
    """A dict of strings' members as JSON writes them, without the braces (with one call a
    string, not json.dumps' work for a whole document)."""
    return ", ".join(f"{_quoted(k)}: {_quoted(v)}" for k, v in data.items())


def _json_strings(data: dict) -> str:
    """A dict of strings as JSON writes it; anything else by json.dumps."""
    if all(type(k) is str and type(v) is str for k, v in data.items()):
        return "{" + _json_pairs(data) + "}"
    return json.dumps(data)


class _JsonTemplate:
    """A text split once at its merge fields, its literal parts written as JSON once: each
    recipient's copy, as a JSON string, is a join of them and of that recipient's values,
    written as JSON each (a few short tokens), instead of the whole body written again."""

    def __init__(self, text: str, keys: set[str]) -> None:
        parts = _FIELD.split(text)
        # parts alternate literal, key, literal, ...; a {{name}} that is no merge field stays.
        literals: list[str] = []
        self.keys: list[str] = []
        literal = parts[0]
        for i in range(1, len(parts), 2):
            key, after = parts[i], parts[i + 1]
            if key in keys:
                literals.append(literal)
                self.keys.append(key)
                literal = after
            else:
                literal += merge_field(key) + after
        literals.append(literal)
        self.parts = [_json_inside(part) for part in literals]

    def write(self, written: dict[str, str], out: list[str]) -> None:
        """A recipient's copy, as a JSON string, added to `out` in parts, from their values
        already written as JSON (without quotes): a recipient's links appear in the text and
        in the HTML, and are written once."""
        parts = self.parts
        out.append('"')
        out.append(parts[0])
        for key, literal in zip(self.keys, parts[1:], strict=True):
            out.append(written.get(key, ""))
            out.append(literal)
        out.append('"')


# An address with no display name, its local part a dot-atom and its domain an ASCII host name:
# nothing in it needs quoting, encoding or parsing.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})+)")


class PlainAddress(EmailAddress):
    """anymail's EmailAddress for a plain address, made from its two halves."""

    def __init__(self, address: str, username: str, domain: str) -> None:
        Address.__init__(self, "", username, domain)
        self._plain = address

    @property
    def addr_spec(self) -> str:
        return self._plain

    def format(self, *, use_rfc2047=False, idna_encode=None) -> str:
        return self._plain


def parse_recipients(addresses, field=None) -> list[EmailAddress]:
    """anymail's parse_address_list, with plain addresses read by one regular expression."""
    if isinstance(addresses, str) or not isinstance(addresses, list | tuple):
        return parse_address_list(addresses, field=field)
    parsed: list[EmailAddress] = []
    for address in addresses:
        match = _PLAIN_ADDRESS.fullmatch(address) if isinstance(address, str) else None
        if match:
            parsed.append(PlainAddress(address, match[1], match[2]))
        else:
            parsed.extend(parse_address_list([address], field=field))
    return parsed


def merge_data_copy(merge_data):
    """anymail's force_non_lazy_dict for merge data, which copies every value through a raised
    and caught exception: merge data of plain strings alone (each recipient's tokens, as the
    weekly send makes them) is copied as it is."""
    if type(merge_data) is dict and all(
        type(values) is dict and all(type(value) is str for value in values.values())
        for values in merge_data.values()
    ):
        return {email: dict(values) for email, values in merge_data.items()}
    return force_non_lazy_dict(merge_data)


# The message attributes anymail reads, with recipients read by parse_recipients and merge data
# copied by merge_data_copy.
_CONVERTERS = {
    "to": parse_recipients,
    "cc": parse_recipients,
    "bcc": parse_recipients,
    "merge_data": merge_data_copy,
}


def _converted(attrs: tuple) -> tuple:
    return tuple(
        (attr, combiner, _CONVERTERS.get(attr, converter)) for attr, combiner, converter in attrs
    )


_MESSAGE_ATTRS = _converted(BasePayload.base_message_attrs)
_ANYMAIL_ATTRS = _converted(BasePayload.anymail_message_attrs)


class ResendPayload(AnymailResendPayload):
    base_message_attrs = _MESSAGE_ATTRS
    anymail_message_attrs = _ANYMAIL_ATTRS

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
        # Each email's JSON is written by hand from parts written once: what all share, and
        # each field's template (json.loads of the result is the list of emails).
        keys = {key for values in self.merge_data.values() for key in values}
        templates = {
            field: _JsonTemplate(self.data[field], keys)
            for field in ("subject", "text", "html")
            if field in self.data
        }
        common = {k: v for k, v in self.data.items() if k not in {"to", "headers", *templates}}
        shared = self.serialize_json(common)[1:-1]
        headers = self.data.get("headers", {})
        # The headers all share, written once; a recipient's own are added after them unless
        # one has the name of a shared one (then anymail's case-insensitive merge is used).
        shared_names = {name.lower() for name in headers}
        plain = all(type(k) is str and type(v) is str for k, v in headers.items())
        shared_headers = _json_pairs(headers) if plain else ""
        # The whole array is written into one list of parts, joined once at the end.
        out = ["["]
        for n, (to_email, to) in enumerate(
            zip(self.data.get("to", []), self.to_recipients, strict=True)
        ):
            own = self.merge_data.get(to.addr_spec, {})
            to_json = (
                f"[{_quoted(to_email)}]"
                if isinstance(to_email, str)
                else self.serialize_json([to_email])
            )
            out += (", {" if n else "{", '"to": ', to_json)
            if shared:
                out += (", ", shared)
            written = {key: _json_inside(str(value)) for key, value in own.items()}
            for field, template in templates.items():
                out += (', "', field, '": ')
                template.write(written, out)
            own_headers = self.merge_headers.get(to.addr_spec, {})
            if (
                plain
                and not self.merge_metadata
                and all(type(k) is str and type(v) is str for k, v in own_headers.items())
                and not any(name.lower() in shared_names for name in own_headers)
            ):
                both = ", ".join(p for p in (shared_headers, _json_pairs(own_headers)) if p)
                if both:
                    out += (', "headers": {', both, "}")
            else:
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
                    out += (', "headers": ', _json_strings(email_headers))
            out.append("}")
        out.append("]")
        return "".join(out)


class EmailBackend(PoolPost, AnymailResendBackend):
    """anymail's Resend backend with per-recipient bodies on the batch path and idempotency
    keys. Set as MAIL_BACKEND (`clps.esp.EmailBackend`), or made from anymail's own by
    `for_batches` for the weekly send."""

    def build_message_payload(self, message, defaults):
        return ResendPayload(message, defaults, self)

    def parse_recipient_status(self, response, payload, message):
        """anymail's statuses, made once a recipient (anymail makes each twice, in a
        case-insensitive dict), when the answer is an id for each email of a batch whose
        recipients are all in To, no two alike but for case; anything else by anymail."""
        parsed = self.deserialize_json_response(response, payload, message)
        data = parsed.get("data") if type(parsed) is dict and "id" not in parsed else None
        to = payload.to_recipients
        if (
            type(data) is list
            and len(data) == len(to) == len(payload.recipients)
            and all(type(item) is dict and "id" in item for item in data)
        ):
            addresses = [recipient.addr_spec for recipient in to]
            if len({address.lower() for address in addresses}) == len(addresses):
                return {
                    address: AnymailRecipientStatus(message_id=item["id"], status="queued")
                    for address, item in zip(addresses, data, strict=True)
                }
        return super().parse_recipient_status(response, payload, message)


def _multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body of text fields, as urllib3 writes one (each field's headers
    written once a name, not once a value), and its Content-Type."""
    boundary = choose_boundary()
    starts: dict[str, str] = {}
    parts: list[str] = []
    for name, value in fields:
        start = starts.get(name)
        if start is None:
            start = starts[name] = (
                f"--{boundary}\r\nContent-Disposition: form-data;"
                f" {format_multipart_header_param('name', name)}\r\n\r\n"
            )
        parts += (start, value, "\r\n")
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class MailgunPayload(AnymailMailgunPayload):
    base_message_attrs = _MESSAGE_ATTRS
    anymail_message_attrs = _ANYMAIL_ATTRS

    def get_request_params(self, api_url):
        """The form as multipart/form-data: each field's value as it stands. Text fields alone
        (no attachments) are written here in one pass."""
        params = super().get_request_params(api_url)
        data = params.pop("data", None) or {}
        fields = [
            (name, value)
            for name, values in data.items()
            for value in (values if isinstance(values, list) else [values])
        ]
        if not params.get("files") and all(type(value) is str for _, value in fields):
            params["data"], content_type = _multipart(fields)
            params["headers"] = {**(params.get("headers") or {}), "Content-Type": content_type}
            params["files"] = None
            return params
        params["files"] = [(name, (None, value)) for name, value in fields] + list(
            params.get("files") or []
        )
        return params


class MailgunBackend(PoolPost, AnymailMailgunBackend):
    """anymail's Mailgun backend, its calls read and sent with less work."""

    def build_message_payload(self, message, defaults):
        return MailgunPayload(message, defaults, self)


def for_batches(connection):
    """The backend for a batch send: ours in place of anymail's Resend or Mailgun backend, with
    the same settings; any other backend as it is."""
    if type(connection) is AnymailResendBackend:
        return EmailBackend(
            api_key=connection.api_key,
            api_url=connection.api_url,
            timeout=connection.timeout,
        )
    if type(connection) is AnymailMailgunBackend:
        return MailgunBackend(
            api_key=connection.api_key,
            sender_domain=connection.sender_domain,
            api_url=connection.api_url,
            timeout=connection.timeout,
        )
    return connection
