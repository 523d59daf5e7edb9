"""The weekly emails as anyone may read them: the CLP's archive, each week's web version (with
no one's personal links) and an Atom feed carrying each email whole."""

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from clps.access import public_clp_view
from clps.models import CLP

from ..models import Digest
from . import selectors
from .render import personalise, web_url

# The email's own inline styles, and nothing else: no script, no other site's resources.
EMAIL_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


def web_html(digest: Digest) -> str:
    """The web version as stored, or, for an email sent before web versions were kept, the
    email with its personal links pointing at the archive."""
    if digest.web_html:
        return digest.web_html
    archive = web_url(digest.clp.slug, digest.week_start).rsplit("/", 2)[0] + "/"
    return personalise(digest.html, unsubscribe_url=archive, manage_url=archive)


@public_clp_view
@require_safe
def archive(request: HttpRequest, clp: CLP) -> HttpResponse:
    page = selectors.archive_page(clp=clp, cursor=request.GET.get("after"))
    return render(request, "newsletters/public/archive.html", {"clp": clp, "page": page})


@public_clp_view
@require_safe
@csp_override(EMAIL_CSP)
def web_version(request: HttpRequest, clp: CLP, week_start) -> HttpResponse:
    digest = selectors.published_digest(clp=clp, week_start=week_start)
    if digest is None:
        raise Http404("No weekly email went out for that week.")
    return HttpResponse(web_html(digest))


class FullAtomFeed(Atom1Feed):
    """Atom with each entry's whole email as its content, not only a summary."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@public_clp_view
@require_safe
def feed(request: HttpRequest, clp: CLP) -> HttpResponse:
    archive_url = request.build_absolute_uri(request.path.removesuffix("feed.atom"))
    atom = FullAtomFeed(
        title=f"{clp.name}: the weekly strikes email",
        link=archive_url,
        description=f"Picket lines, strike days and ballots near {clp.name}, every week.",
        feed_url=request.build_absolute_uri(),
        language="en-GB",
    )
    for digest in selectors.latest_published(clp=clp):
        url = web_url(clp.slug, digest.week_start)
        body = _BODY.search(web_html(digest))
        atom.add_item(
            title=digest.subject,
            link=url,
            unique_id=url,
            description=f"{clp.name}, week of {digest.week_start:%-d %B %Y}.",
            content=body.group(1).strip() if body else web_html(digest),
            pubdate=digest.send_started_at,
            updateddate=digest.send_started_at,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type=atom.content_type)
