"""Hostile values for every kind of field, and the checks that a page treated them as text.

Values are `str` or `bytes`. A `str` may hold a lone surrogate, which no UTF-8 encoder accepts:
`encoded()` turns it into the raw bytes a hostile client would send (ED A0 80 for U+D800). A
`bytes` value is sent as it is, so it can be invalid UTF-8.

`make test` sends the QUICK values (one per kind of field, and for text both markup and a long
value with a NUL in it); `make fuzz` (TULIAISON_FUZZ=1) sends every value in FULL.
"""

import os
import re
from html.parser import HTMLParser

FUZZ = bool(os.environ.get("TULIAISON_FUZZ"))

# Each markup payload calls alert(), so a browser that ran one would open a dialog.
SCRIPT_TAG = "<script>alert(1)</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'
SVG_ONLOAD = "'><svg onload=alert(1)>"
JAVASCRIPT_URL = "javascript:alert(1)"
MARKUP = f"{SCRIPT_TAG}{IMG_ONERROR}"

SQL = [
    "' OR 1=1 --",
    "'; DROP TABLE strikes_dispute; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%' AND 1=0 UNION SELECT NULL --",
]
CONTROL = [
    "nul\x00byte",
    "bell\x07 and escape\x1b[31m",
    "\x01\x02\x03\x04\x05\x06\x08\x0b\x0c\x0e\x0f\x10\x1f",
    "line\r\nbreak\rand\x85next",
    "\x7f\x9f",
]
UNICODE = [
    "lone \ud800 surrogate",
    "\udfff",
    "right-to-left \u202eexe.gpj",
    "zero\u200bwidth\u200c\u200d\ufeff",
    "\U0001f525\U0001f4a9 emoji and Ṫ̸̢̛h̶e̵ zalgo",
    "Ｓｃｒｉｐｔ ＜script＞",
    "\uffff\ufffe",
]
INVALID_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
LONG = ["x" * 10_000, "\U0001f525" * 3_000, "<b>" * 2_000]
DATES = [
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "0001-01-01",
    "-2026-01-01",
    "2026-13-01",
    "31/12/9999",
    "today",
]
TIMES = ["25:00", "23:61", "-01:00", "99:99:99", "12:00:00.0000001", "noon"]
NUMBERS = [
    "-1",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "1_000",
    "١٢٣",
    "1" * 400,
]
MONEY = ["£-5", "1,000,000,000,000", "-0.01", "0.001", "12.345", "1e3", "£12.50"]
EMAILS = [
    f"{SCRIPT_TAG}@example.org",
    '"><img src=x onerror=alert(1)>"@example.org',
    "a@b",
    "a" * 300 + "@example.org",
    "tulo@example.org\r\nBcc: everyone@example.org",
    "тест@пример.рф",
]
URLS = [
    JAVASCRIPT_URL,
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.org/" + "a" * 3_000,
    'https://example.org/"><script>alert(1)</script>',
    "//evil.example",
]

TEXT = [MARKUP, SVG_ONLOAD, JAVASCRIPT_URL, *SQL, *CONTROL, *UNICODE, *INVALID_UTF8, *LONG]
FULL = {
    "text": TEXT,
    "number": NUMBERS + MONEY + [MARKUP, "", " "],
    "date": DATES + [MARKUP],
    "time": TIMES + [MARKUP],
    "email": EMAILS + [*CONTROL, *INVALID_UTF8],
    "url": URLS + [MARKUP],
    # A choice that is not on offer: select, radio and checkbox values.
    "choice": ["' OR 1=1 --", "-1", "9223372036854775808", MARKUP, "\x00", b"\xff"],
}
QUICK = {
    "text": [MARKUP, "nul\x00 " + "x" * 10_000],
    "number": ["-2147483649"],
    "date": ["9999-12-31"],
    "time": ["25:00"],
    "email": [f"{SCRIPT_TAG}@example.org"],
    "url": [JAVASCRIPT_URL],
    "choice": ["9223372036854775808"],
}
CORPUS = FULL if FUZZ else QUICK


def encoded(value: str | bytes) -> bytes:
    """The bytes a client sends for this value; lone surrogates go as their raw bytes."""
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8", "surrogatepass")


def shown(value: str | bytes) -> str:
    """A short printable name for a value, for test ids and failure messages."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 40 else f"{text[:37]}…({len(text)})"


# Checking a page ---------------------------------------------------------------------------


class _ActiveContent(HTMLParser):
    """Finds what a browser would run: a script element or event handler calling alert(), or
    a javascript: link. The page's own scripts (files from /static/) do not call alert()."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "data") and re.match(
                r"\s*javascript:", value, re.IGNORECASE
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data[:60]}")


def active_content(html: str) -> list[str]:
    """Markup in the page that would run: empty when every hostile value was escaped."""
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    # Escaped, the handlers' text may show ("onerror=alert(1)&gt;"); a tag cannot.
    raw = [f"raw {SCRIPT_TAG!r} in the page"] if SCRIPT_TAG in html else []
    return parser.found + raw


ERROR_MARKUP = re.compile(
    r'class="[^"]*\berrorlist\b|role="alert"|class="[^"]*\bmessage error\b', re.IGNORECASE
)


def shows_error(html: str) -> bool:
    """The page shows a form error: next to a field (errorlist), at the top (role=alert), or
    as an error message after a redirect."""
    return bool(ERROR_MARKUP.search(html))
