"""A fake email service speaking enough of two real ones for anymail's backends:

- Mailgun's v3 messages API: batch sends with recipient variables, as Mailgun expands them. It
  drops a repeat of our per-recipient `X-TU-Liaison-Delivery` header, which Mailgun does not:
  `dropped` counts what Mailgun would have sent twice.
- Resend's /emails and /emails/batch (up to 100 emails a call), with Resend's idempotency
  rules: a call with an `Idempotency-Key` seen before and the same body is answered as the
  first was and sends nothing (`replayed`); the same key with another body is refused (409
  invalid_idempotent_request), and while the first call with a key is still being answered, so
  is a second (409 concurrent_idempotent_requests). Keys are kept for as long as the service
  runs (Resend keeps them 24 hours).

It records every recipient it sends to, and can fail with an error status, hang, or hold a
chosen call at a chosen point for a test to kill the sender there (`hold`). Runs in a thread on
127.0.0.1, on a port of its own."""

import base64
import hashlib
import json
import re
import ssl
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

IDEMPOTENCY_HEADER = "X-TU-Liaison-Delivery"
API_KEY = "fake-esp-key"
_AUTH = "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
_RESEND_AUTH = f"Bearer {API_KEY}"
RESEND_BATCH_LIMIT = 100
_VARIABLE = re.compile(r"%recipient\.([^%]+)%")


def expand(value: str, variables: dict) -> str:
    """Mailgun's on-the-fly templating: %recipient.KEY% becomes the recipient's value."""
    return _VARIABLE.sub(lambda m: str(variables.get(m.group(1), "")), value)


@dataclass
class Hold:
    """A batch call held at one point until released: "before" the service reads it (it is
    then dropped, as a call cut off by its sender's death never arrives), or "during", after
    the service has sent its emails and before it answers."""

    call: int  # the nth batch call to arrive, from 1
    at: str
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class FakeESP:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, str | None]] = []  # (recipient, key), repeats included
        self.delivered: dict[str, str] = {}  # key -> recipient, each key once
        self.dropped = 0  # repeats of a key seen before
        self.calls = 0  # calls accepted
        self.requests = 0  # every call, refused ones too
        # Each recipient's message as Mailgun would send it, if keep_messages: to, subject,
        # text, html, headers (with recipient variables filled in) and the raw variables.
        self.messages: list[dict] = []
        self.raw_bodies: list[bytes] = []  # each accepted call's body as sent, if keep_messages
        self.forms: list[dict[str, list[str]]] = []  # each accepted Mailgun call's fields, read
        # from its body (urlencoded or multipart), if keep_messages
        self.keep_messages = False
        self.fail_with: int | None = None  # answer every call with this HTTP status
        self.fail_batches_with: int | None = None  # the same, for batch sends only
        self.fail_batches_times: int | None = None  # ... this many times, if set
        self.hang_for = 0.0  # seconds to wait before answering
        self.delay = 0.0  # seconds each accepted call takes
        # Resend's idempotency keys: key -> (the body's digest, the answer), once answered;
        # keys whose first call is still being answered.
        self.idempotency: dict[str, tuple[str, int, dict]] = {}
        self.idempotency_busy: set[str] = set()
        self.replayed = 0  # calls answered from an idempotency key, nothing sent
        self.conflicts = 0  # calls refused for a key reused with another body
        self.batch_calls_seen = 0  # batch calls that arrived, held and refused ones too
        self.holds: list[Hold] = []
        # Batch calls to fail, by number: an HTTP status to answer with, or "hang" to answer
        # only after hang_calls_for seconds (having sent the emails, as a slow service may).
        self.fail_calls: dict[int, int | str] = {}
        self.hang_calls_for = 0.0
        self.failed_calls: dict[int, int | str] = {}  # those that came, as they failed
        self.hung_sends = 0  # "hang" calls that sent their emails (not answered from a key)
        self.api = "mailgun"  # which API a test sends through (both are always served)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: without this, the body waits
            # for the client's delayed ACK of the headers (40 ms a call), which no real
            # service's front end adds.
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                if self.path in ("/emails", "/emails/batch"):
                    fake.resend(self)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake.lock:
                    fake.requests += 1
                if fake.hang_for:
                    time.sleep(fake.hang_for)
                if fake.fail_with:
                    self._answer(fake.fail_with, {"message": "fake failure"})
                    return
                match = re.fullmatch(r"/v3/([^/]+)/messages", self.path)
                if not match:
                    self._answer(404, {"message": "no such endpoint"})
                    return
                if self.headers.get("Authorization", "") != _AUTH:
                    self._answer(401, {"message": "Invalid private key"})
                    return
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/x-www-form-urlencoded"):
                    form = fake.parse_form(body)
                elif content_type.startswith("multipart/form-data"):
                    form = fake.parse_multipart(body, content_type)
                else:
                    self._answer(400, {"message": "expected a form"})
                    return
                if fake.fail_batches_with and "recipient-variables" in form:
                    status = fake.fail_batches_with
                    if fake.fail_batches_times is not None:
                        fake.fail_batches_times -= 1
                        if fake.fail_batches_times <= 0:
                            fake.fail_batches_with = None
                    self._answer(status, {"message": "fake refusal"})
                    return
                message_id = f"<{uuid.uuid4().hex}@{match.group(1)}>"
                fake.record(form)
                if fake.keep_messages:
                    with fake.lock:
                        fake.raw_bodies.append(body)
                        fake.forms.append(form)
                if fake.delay:
                    time.sleep(fake.delay)
                self._answer(200, {"id": message_id, "message": "Queued. Thank you."})

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the sender died while the call was held
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.scheme = "http"

    def serve_tls(self, certificate: str, key: str) -> None:
        """Serve HTTPS with this certificate (before the service starts)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/v3/"

    @property
    def resend_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/"

    def hold(self, call: int, at: str) -> Hold:
        """Hold the nth batch call to arrive "before" it is read or "during" it (sent, not yet
        answered), until the test sets the returned hold's `release`."""
        assert at in ("before", "during")
        held = Hold(call, at)
        with self.lock:
            self.holds.append(held)
        return held

    def _held(self, call: int, at: str) -> Hold | None:
        with self.lock:
            return next((h for h in self.holds if h.call == call and h.at == at), None)

    def resend(self, handler) -> None:
        """One call to Resend's API, as Resend answers it."""
        with self.lock:
            self.requests += 1
            if handler.path == "/emails/batch":
                self.batch_calls_seen += 1
            call = self.batch_calls_seen if handler.path == "/emails/batch" else 0
        held = self._held(call, "before") if call else None
        if held:
            held.reached.set()
            held.release.wait(timeout=120)
            handler.close_connection = True  # its sender is gone: the call never arrived
            return
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        if self.fail_with:
            handler._answer(self.fail_with, {"name": "application_error", "message": "fake"})
            return
        failure = self.fail_calls.get(call) if call else None
        if failure is not None:
            with self.lock:
                self.failed_calls[call] = failure
            if failure != "hang":
                handler._answer(int(failure), {"name": "application_error", "message": "fake"})
                return
        hang = self.hang_for + (self.hang_calls_for if failure == "hang" else 0)
        if handler.headers.get("Authorization", "") != _RESEND_AUTH:
            handler._answer(401, {"name": "validation_error", "message": "API key is invalid"})
            return
        if not handler.headers.get("Content-Type", "").startswith("application/json"):
            handler._answer(400, {"name": "validation_error", "message": "expected JSON"})
            return
        emails = json.loads(body)
        batch = handler.path == "/emails/batch"
        if batch and (not isinstance(emails, list) or not 1 <= len(emails) <= 100):
            handler._answer(422, {"name": "validation_error", "message": "1 to 100 emails"})
            return
        emails = emails if batch else [emails]
        if any(not e.get("from") or not e.get("to") or not e.get("subject") for e in emails):
            handler._answer(422, {"name": "validation_error", "message": "missing a field"})
            return
        if batch and self.fail_batches_with:
            status = self.fail_batches_with
            if self.fail_batches_times is not None:
                self.fail_batches_times -= 1
                if self.fail_batches_times <= 0:
                    self.fail_batches_with = None
            handler._answer(status, {"name": "application_error", "message": "fake refusal"})
            return
        key = handler.headers.get("Idempotency-Key")
        digest = hashlib.sha256(handler.path.encode() + b"\0" + body).hexdigest()
        if key:
            with self.lock:
                known = self.idempotency.get(key)
                busy = key in self.idempotency_busy
                if known is None and not busy:
                    self.idempotency_busy.add(key)
            if busy:
                handler._answer(
                    409,
                    {
                        "name": "concurrent_idempotent_requests",
                        "message": "The first request with this key is still in progress.",
                    },
                )
                return
            if known is not None:
                if known[0] != digest:
                    with self.lock:
                        self.conflicts += 1
                    handler._answer(
                        409,
                        {
                            "name": "invalid_idempotent_request",
                            "message": "This key was used with another request body.",
                        },
                    )
                    return
                with self.lock:
                    self.replayed += 1
                handler._answer(known[1], known[2])
                return
        try:
            if hang:  # slow to answer, then sends all the same
                time.sleep(hang)
                with self.lock:
                    self.hung_sends += failure == "hang"
            ids = [str(uuid.uuid4()) for _ in emails]
            self.record_resend(emails, body if self.keep_messages else None)
            answer = {"data": [{"id": i} for i in ids]} if batch else {"id": ids[0]}
            if key:
                with self.lock:
                    self.idempotency[key] = (digest, 200, answer)
        finally:
            if key:
                with self.lock:
                    self.idempotency_busy.discard(key)
        if self.delay:
            time.sleep(self.delay)
        held = self._held(call, "during") if call else None
        if held:
            held.reached.set()
            held.release.wait(timeout=120)
        handler._answer(200, answer)

    def record_resend(self, emails: list[dict], body: bytes | None) -> None:
        with self.lock:
            self.calls += 1
            if body is not None:
                self.raw_bodies.append(body)
            for each in emails:
                headers = each.get("headers") or {}
                key = next(
                    (v for k, v in headers.items() if k.lower() == IDEMPOTENCY_HEADER.lower()),
                    None,
                )
                for address in each["to"]:
                    email = parseaddr(address)[1]
                    self._send(
                        email,
                        key,
                        lambda e=each, h=headers, to=email: {
                            "to": to,
                            "subject": e["subject"],
                            "text": e.get("text", ""),
                            "html": e.get("html", ""),
                            "headers": dict(h),
                            "variables": {},
                        },
                    )

    def _send(self, email: str, key: str | None, message) -> None:
        """Send one recipient their copy, unless its per-recipient key was sent before (what
        Mailgun would send again: counted in `dropped`). `message()` is the copy, kept if
        keep_messages. Called holding the lock."""
        self.accepted.append((email, key))
        if key is not None and key in self.delivered:
            self.dropped += 1
            return
        if key is not None:
            self.delivered[key] = email
        if self.keep_messages:
            self.messages.append(message())

    def parse_form(self, body: bytes) -> dict[str, list[str]]:
        """The form's fields; the message bodies only when they are kept (decoding them is
        most of the work, and the benchmark shares its cores with this service)."""
        form: dict[str, list[str]] = {}
        for pair in body.split(b"&"):
            name, _, value = pair.partition(b"=")
            key = unquote_plus(name.decode())
            if key in ("text", "html") and not self.keep_messages:
                continue
            form.setdefault(key, []).append(unquote_plus(value.decode()))
        return form

    def parse_multipart(self, body: bytes, content_type: str) -> dict[str, list[str]]:
        """The fields of a multipart/form-data form (Mailgun takes either kind of form)."""
        boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
        form: dict[str, list[str]] = {}
        for part in body.split(b"--" + boundary)[1:-1]:
            head, _, value = part.partition(b"\r\n\r\n")
            name = re.search(rb'name="([^"]*)"', head)[1].decode()
            if name in ("text", "html") and not self.keep_messages:
                continue
            form.setdefault(name, []).append(value.removesuffix(b"\r\n").decode())
        return form

    def record(self, form: dict[str, list[str]]) -> None:
        variables = json.loads(form.get("recipient-variables", ["{}"])[0])
        headers = {k[2:]: v[0] for k, v in form.items() if k.startswith("h:")}
        key_header = next(
            (name for name in headers if name.lower() == IDEMPOTENCY_HEADER.lower()), None
        )
        with self.lock:
            self.calls += 1
            for address in form.get("to", []):
                email = parseaddr(address)[1]
                own = variables.get(email, {})
                key = expand(headers[key_header], own) if key_header else None
                self._send(
                    email,
                    key,
                    lambda own=own, to=email: {
                        "to": to,
                        "subject": expand(form["subject"][0], own),
                        "text": expand(form.get("text", [""])[0], own),
                        "html": expand(form.get("html", [""])[0], own),
                        "headers": {name: expand(v, own) for name, v in headers.items()},
                        "variables": own,
                    },
                )

    def accepted_counts(self) -> Counter:
        """How many times each recipient was accepted, ignoring idempotency keys."""
        with self.lock:
            return Counter(email for email, _ in self.accepted)

    def __enter__(self) -> "FakeESP":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """Serve in a process of its own (the benchmark's): prints the URL, then serves until
    killed; GET /stats answers with the counts."""
    fake = FakeESP()

    def stats() -> dict:
        with fake.lock:
            return {
                "calls": fake.calls,
                "accepted": len(fake.accepted),
                "delivered": len(fake.delivered),
                "dropped": fake.dropped,
                "replayed": fake.replayed,
            }

    fake.server.RequestHandlerClass.do_GET = lambda handler: handler._answer(200, stats())
    print(fake.url, flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
