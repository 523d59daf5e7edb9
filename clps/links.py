"""Signed links: a token that names who and what, checked without a query, for the links in
emails that act with one POST and no account (an "I'll go" in the weekly email, a picket
reminder's cancel link, a public sign-up's confirmation).

A token is its parts and a MAC, joined by dots: "12.34.56.<mac>". The key is derived from
SECRET_KEY for each purpose, so a token made for one purpose is refused by every other, and a
key moved to SECRET_KEY_FALLBACKS still opens the links already sent. Made for the weekly
send's hot path: one HMAC a token, with the derived keys kept.
"""

import binascii
import hashlib
import hmac

from django.conf import settings

# Longest token accepted: a longer string is refused before any work.
MAX_LENGTH = 200

# base64's URL-safe alphabet from the standard one (base64.urlsafe_b64encode, in one C call).
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class LinkSigner:
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        self._keys: dict[str, bytes] = {}

    def _key(self, secret: str) -> bytes:
        key = self._keys.get(secret)
        if key is None:
            salt = f"tuliaison.links.{self.purpose}"
            key = self._keys[secret] = hashlib.sha256(f"{salt}:{secret}".encode()).digest()
        return key

    def _mac(self, payload: str, secret: str) -> str:
        digest = hmac.digest(self._key(secret), payload.encode(), "sha256")
        return binascii.b2a_base64(digest[:16], newline=False).translate(_URLSAFE)[:-2].decode()

    def sign(self, *parts: int | str) -> str:
        values = [str(part) for part in parts]
        if any(not v or "." in v or "/" in v for v in values):
            raise ValueError(f"Link parts must be non-empty, without dots or slashes: {values}")
        return self._signed(".".join(values))

    def sign_ids(self, *ids: int) -> str:
        """sign() for whole numbers (ids), which need no check: the weekly send signs one a
        recipient."""
        return self._signed(".".join(map(str, ids)))

    def _signed(self, payload: str) -> str:
        return f"{payload}.{self._mac(payload, settings.SECRET_KEY)}"

    def unsign(self, token: str) -> list[str] | None:
        """The parts a genuine token names, or None for anything else."""
        if not token or len(token) > MAX_LENGTH or not token.isascii():
            return None
        payload, _, mac = token.rpartition(".")
        if not payload:
            return None
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
            if hmac.compare_digest(mac, self._mac(payload, str(secret))):
                return payload.split(".")
        return None

    def unsign_ids(self, token: str, count: int) -> list[int] | None:
        """The `count` whole numbers a genuine token names, or None."""
        parts = self.unsign(token)
        if parts is None or len(parts) != count or not all(p.isdigit() for p in parts):
            return None
        return [int(p) for p in parts]
