"""Markdown the TULO types, made safe to show and to send: sanitised HTML for our own pages,
HTML with inline styles for a newsletter tool or an email, and plain text for a text part.
Record text put into Markdown goes through escape() first, so it reads as words.

Raw HTML in the Markdown is shown as text, never passed through; links are checked twice, by the
parser (no javascript:, vbscript:, file: or data:) and by the sanitiser's scheme list.
"""

import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "br",
    "blockquote",
    "code",
    "pre",
    "hr",
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
# Newsletter tools keep inline styles and drop style sheets.
INLINE_STYLES = {
    "h1": "font-size:22px;line-height:1.3;margin:0 0 12px;color:#1d1d1f;",
    "h2": "font-size:20px;line-height:1.3;margin:0 0 12px;color:#c8102e;",
    "h3": "font-size:17px;line-height:1.3;margin:20px 0 8px;color:#1d1d1f;",
    "h4": "font-size:16px;line-height:1.3;margin:16px 0 6px;color:#1d1d1f;",
    "p": "margin:0 0 12px;",
    "ul": "margin:0 0 12px;padding-left:20px;",
    "ol": "margin:0 0 12px;padding-left:20px;",
    "li": "margin:0 0 6px;",
    "blockquote": "margin:0 0 12px;padding-left:12px;border-left:4px solid #d9d9e0;",
    "a": "color:#9b0c23;text-decoration:underline;",
}
WRAPPER_STYLE = (
    "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1d1d1f;"
)
_BARE_TAG = re.compile(r"<(" + "|".join(t for t in INLINE_STYLES if t != "a") + r")>")


def to_html(markdown_text: str) -> str:
    """Sanitised HTML with no styles, to show on our own pages (whose CSP forbids inline style)."""
    return nh3.clean(
        _markdown.render(markdown_text),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


def to_styled_html(markdown_text: str) -> str:
    """Sanitised HTML with inline styles, for pasting into a newsletter tool or an email.

    Styles are added after sanitising, to tags the sanitiser left bare: text that looked like a
    tag is escaped by then, so nothing typed can pick up or carry an attribute.
    """
    html = _BARE_TAG.sub(
        lambda m: f'<{m[1]} style="{INLINE_STYLES[m[1]]}">', to_html(markdown_text)
    )
    html = html.replace("<a ", f'<a style="{INLINE_STYLES["a"]}" ')
    return f'<div style="{WRAPPER_STYLE}">\n{html}</div>\n'


def to_text(markdown_text: str) -> str:
    """Plain text for a newsletter tool's text part: lists as '- ', links as 'words (URL)'."""
    lines: list[str] = []
    lists: list[list] = []  # [kind, next number] for each open list
    prefix_pending: str | None = None
    quote = 0

    def emit(text: str) -> None:
        nonlocal prefix_pending
        indent = "  " * max(len(lists) - 1, 0)
        lead = "> " * quote
        if prefix_pending is not None:
            text = prefix_pending + text
            prefix_pending = None
        elif lists:
            text = "  " + text
        for n, line in enumerate(text.split("\n")):
            lines.append(lead + indent + (line if n == 0 else "  " + line if lists else line))

    def blank() -> None:
        if lines and lines[-1].strip("> ") != "":
            lines.append("> " * quote if quote else "")

    tokens = _markdown.parse(markdown_text)
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "inline":
            text = _inline_text(token.children or [])
            if heading_level:
                underline = "=" if heading_level <= 2 else "-"
                blank()
                emit(text + "\n" + underline * len(text))
            else:
                emit(text)
        elif kind == "heading_close":
            heading_level = 0
            blank()
        elif kind == "paragraph_close" and not lists:
            blank()
        elif kind in ("bullet_list_open", "ordered_list_open"):
            if not lists:
                blank()
            start = int(token.attrGet("start") or 1)
            lists.append(["ol" if kind == "ordered_list_open" else "ul", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                blank()
        elif kind == "list_item_open":
            current = lists[-1]
            if current[0] == "ol":
                prefix_pending = f"{current[1]}. "
                current[1] += 1
            else:
                prefix_pending = "- "
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
            blank()
        elif kind in ("fence", "code_block"):
            emit(token.content.rstrip("\n"))
            blank()
        elif kind == "hr":
            emit("----")
            blank()
    return "\n".join(lines).strip("\n") + "\n"


def _inline_text(children) -> str:
    out: list[str] = []
    links: list[str] = []
    starts: list[int] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
        elif child.type == "link_open":
            links.append(str(child.attrGet("href") or ""))
            starts.append(len(out))
        elif child.type == "link_close" and links:
            href, start = links.pop(), starts.pop()
            words_in_link = "".join(out[start:])
            if href and href != words_in_link and f"mailto:{words_in_link}" != href:
                out.append(f" ({href})")
    return "".join(out)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape(text: str) -> str:
    """Record text made safe to put in Markdown: read as words, not as formatting, on one line."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
