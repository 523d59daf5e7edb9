"""A fake email service speaking enough of SendGrid's v3 /mail/send for anymail's SendGrid
backend: it records every recipient it accepts, drops a repeat of an idempotency key, and can
fail with a 500 or hang on demand. Runs in a thread on 127.0.0.1, on a port of its own."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDEMPOTENCY_HEADER = "X-TU-Liaison-Delivery"


class FakeESP:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, str | None]] = []  # (recipient, key), repeats included
        self.delivered: dict[str, str] = {}  # key -> recipient, each key once
        self.dropped = 0  # repeats of a key seen before
        self.calls = 0
        self.messages: list[dict] = []  # the personalizations kept, if keep_messages
        self.keep_messages = False
        self.fail_with: int | None = None  # answer every call with this HTTP status
        self.hang_for = 0.0  # seconds to wait before answering
        self.delay = 0.0  # seconds each accepted call takes
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if fake.hang_for:
                    time.sleep(fake.hang_for)
                if fake.fail_with:
                    self._answer(fake.fail_with, b'{"errors": [{"message": "fake failure"}]}')
                    return
                if not self.path.rstrip("/").endswith("/mail/send"):
                    self._answer(404, b'{"errors": [{"message": "no such endpoint"}]}')
                    return
                if self.headers.get("Authorization", "") != "Bearer fake-esp-key":
                    self._answer(401, b'{"errors": [{"message": "bad key"}]}')
                    return
                fake.record(json.loads(body))
                if fake.delay:
                    time.sleep(fake.delay)
                self._answer(202, b"")

            def _answer(self, status: int, body: bytes) -> None:
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

    def record(self, payload: dict) -> None:
        with self.lock:
            self.calls += 1
            for personalization in payload["personalizations"]:
                key = (personalization.get("headers") or {}).get(IDEMPOTENCY_HEADER)
                for recipient in personalization["to"]:
                    self.accepted.append((recipient["email"], key))
                if key is not None and key in self.delivered:
                    self.dropped += 1
                    continue
                if key is not None:
                    self.delivered[key] = personalization["to"][0]["email"]
                if self.keep_messages:
                    self.messages.append({**payload, "personalizations": [personalization]})

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

    def stats() -> bytes:
        with fake.lock:
            return json.dumps(
                {
                    "calls": fake.calls,
                    "accepted": len(fake.accepted),
                    "delivered": len(fake.delivered),
                    "dropped": fake.dropped,
                }
            ).encode()

    fake.server.RequestHandlerClass.do_GET = lambda handler: handler._answer(200, stats())
    print(fake.url, flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
