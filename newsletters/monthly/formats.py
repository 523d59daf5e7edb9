"""The ways a version of the section is taken out, in one table: each format's text, its box on
the copy-out page (heading, help, copy button) and its download (file name and content type).
HTML is the styled kind, whose styles survive pasting; our own pages show the unstyled kind."""

from collections.abc import Callable
from dataclasses import dataclass

from ..markdown import to_styled_html, to_text
from ..models import NewsletterSection, NewsletterSectionVersion
from .column import word_count

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


@dataclass(frozen=True)
class Format:
    key: str  # in the download's URL
    name: str  # the box's heading on the copy-out page
    short: str  # on its button: "Copy HTML"
    suffix: str  # the downloaded file's extension
    rows: int  # the box's height
    help: str  # "{words}" stands for the column's length
    body: Callable[[NewsletterSectionVersion], str]
    stem: str = "union-updates"  # the downloaded file's name begins so

    @property
    def id(self) -> str:
        return f"copy-{self.key}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.suffix]

    def filename(self, section: NewsletterSection, version: NewsletterSectionVersion) -> str:
        return f"{self.stem}-{section.month:%Y-%m}-v{version.number}.{self.suffix}"


DOWNLOADS = {
    f.key: f
    for f in (
        Format(
            key="html",
            name="HTML",
            short="HTML",
            suffix="html",
            rows=10,
            help="For a newsletter tool's HTML or code block. The styles are written into each "
            "tag, so they survive pasting.",
            body=lambda version: to_styled_html(version.markdown),
        ),
        Format(
            key="text",
            name="Plain text",
            short="text",
            suffix="txt",
            rows=10,
            help="For a plain-text email, or a tool that takes no formatting.",
            body=lambda version: to_text(version.markdown),
        ),
        Format(
            key="markdown",
            name="Markdown",
            short="Markdown",
            suffix="md",
            rows=10,
            help="For a tool that takes Markdown.",
            body=lambda version: version.markdown,
        ),
        Format(
            key="column",
            name="Column for the local paper",
            short="column",
            suffix="txt",
            stem="column",
            rows=12,
            help="Prose only: {words}.",
            body=lambda version: version.column,
        ),
    )
}


@dataclass(frozen=True)
class Copy:
    """One format's box on the copy-out page."""

    format: Format
    body: str
    help: str


def copies(version: NewsletterSectionVersion) -> list[Copy]:
    """The version in every format, as the copy-out page shows them."""
    words = word_count(version.column)
    length = f"{words} word{'s' if words != 1 else ''}"
    return [Copy(f, f.body(version), f.help.format(words=length)) for f in DOWNLOADS.values()]
