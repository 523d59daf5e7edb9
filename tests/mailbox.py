"""Email as the people it is for receive it: the bytes a real SMTP server on loopback took in,
or the files the file backend wrote, parsed as a mail program parses them.

`SMTPServer` is aiosmtpd on 127.0.0.1; `Received` is one message's bytes, with its headers as
they stand on the wire and its parts as a mail program shows them."""

import email
import email.policy
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from aiosmtpd.controller import Controller


@dataclass
class Received:
    raw: bytes
    envelope_to: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def raw_header(self, name: str) -> str:
        """The header's value exactly as it stands in the bytes, folded lines joined: what a
        mail program that does not decode the header (most, for List-Unsubscribe) reads."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii")
        unfolded = re.sub(r"\r?\n[ \t]", " ", head)
        values = [
            line.split(":", 1)[1].strip()
            for line in unfolded.splitlines()
            if line.split(":", 1)[0].strip().lower() == name.lower()
        ]
        assert len(values) == 1, f"{len(values)} {name} headers in the message"
        return values[0]

    def has_header(self, name: str) -> bool:
        return self.message[name] is not None

    @property
    def to(self) -> list[str]:
        return [address for _, address in getaddresses(self.message.get_all("To", []))]

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    def links(self) -> list[str]:
        """Every http(s) link in either part, in order, each once."""
        found = re.findall(r"https?://[^\s\"<>]+", self.text)
        found += re.findall(r"href=\"(https?://[^\"]+)\"", self.html)
        return [*dict.fromkeys(link.rstrip(".,)") for link in found)]


def one_click_url(received: Received) -> str:
    """The one-click unsubscribe URL, read from the raw header as RFC 8058 has it: a literal
    <https://...>, and nothing else (no mailto: that nobody reads)."""
    value = received.raw_header("List-Unsubscribe")
    match = re.fullmatch(r"<(https?://[^>\s]+)>", value)
    assert match, f"List-Unsubscribe is not one literal <URL>: {value!r}"
    return match.group(1)


def assert_well_formed(received: Received, *, domain: str) -> None:
    """What every email the app sends carries: one text and one HTML part, a Message-ID on
    the site's domain, and no header sent as an encoded-word where none was needed."""
    message = received.message
    assert message.get_body(preferencelist=("plain",)) is not None, "no text part"
    assert message.get_body(preferencelist=("html",)) is not None, "no HTML part"
    for name in ("List-Unsubscribe", "List-Id", "List-Unsubscribe-Post", "Message-ID"):
        if received.has_header(name):
            value = received.raw_header(name)
            assert "=?" not in value, f"{name} is sent as an encoded-word: {value}"
    assert re.fullmatch(rf"<[^@<>\s]+@{re.escape(domain)}>", received.raw_header("Message-ID"))
    subject = received.message["Subject"]
    assert subject and subject == subject.strip(), f"subject with edge whitespace: {subject!r}"


def assert_list_headers(received: Received, *, list_id: str) -> str:
    """The weekly list's headers as RFC 2369, 2919 and 8058 want them; returns the one-click
    URL."""
    url = one_click_url(received)
    assert received.raw_header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r'"[^"]+" <' + re.escape(list_id) + ">", received.raw_header("List-Id"))
    return url


class _Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append(Received(bytes(envelope.original_content), list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """A real SMTP server on 127.0.0.1 in a thread of its own; `received` is every message it
    took in, in order, as bytes."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


# Django's file backend writes each message's bytes followed by a line of 79 dashes.
_FILE_SEPARATOR = re.compile(rb"\r?\n-{79}\r?\n")


def read_mail_dir(folder: Path) -> list[Received]:
    """Every message the file backend wrote under `folder`, oldest file first."""
    received = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
        for chunk in _FILE_SEPARATOR.split(path.read_bytes()):
            if chunk.strip():
                received.append(Received(chunk))
    return received
