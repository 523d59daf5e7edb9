"""A fake email service speaking enough of Mailgun's v3 messages API for anymail's Mailgun
backend: batch sends with recipient variables, as Mailgun expands them. It records every
recipient it accepts, drops a repeat of an idempotency key, and can fail with an error status
or hang on demand. Runs in a thread on 127.0.0.1, on a port of its own."""

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

IDEMPOTENCY_HEADER = "X-TU-Liaison-Delivery"
API_KEY = "fake-esp-key"
_AUTH = "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
_VARIABLE = re.compile(r"%recipient\.([^%]+)%")


def expand(value: str, variables: dict) -> str:
    """Mailgun's on-the-fly templating: %recipient.KEY% becomes the recipient's value."""
    return _VARIABLE.sub(lambda m: str(variables.get(m.group(1), "")), value)


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
        self.raw_bodies: list[bytes] = []  # each accepted call's form as sent, if keep_messages
        self.keep_messages = False
        self.fail_with: int | None = None  # answer every call with this HTTP status
        self.fail_batches_with: int | None = None  # the same, for batch sends only
        self.fail_batches_times: int | None = None  # ... this many times, if set
        self.hang_for = 0.0  # seconds to wait before answering
        self.delay = 0.0  # seconds each accepted call takes
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
                if not self.headers.get("Content-Type", "").startswith(
                    "application/x-www-form-urlencoded"
                ):
                    self._answer(400, {"message": "expected a form"})
                    return
                form = fake.parse_form(body)
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
                if fake.delay:
                    time.sleep(fake.delay)
                self._answer(200, {"id": message_id, "message": "Queued. Thank you."})

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v3/"

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
                self.accepted.append((email, key))
                if key is not None and key in self.delivered:
                    self.dropped += 1
                    continue
                if key is not None:
                    self.delivered[key] = email
                if self.keep_messages:
                    self.messages.append(
                        {
                            "to": email,
                            "subject": expand(form["subject"][0], own),
                            "text": expand(form.get("text", [""])[0], own),
                            "html": expand(form.get("html", [""])[0], own),
                            "headers": {name: expand(v, own) for name, v in headers.items()},
                            "variables": own,
                        }
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
            }

    fake.server.RequestHandlerClass.do_GET = lambda handler: handler._answer(200, stats())
    print(fake.url, flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
