"""The weekly emails as anyone may read them: the CLP's archive, each week's web version (with
no one's personal links) and an Atom feed carrying each email whole."""

import datetime
import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from clps.access import public_clp_view
from clps.models import CLP
from clps.public_cache import public_page
from clps.requests import ClpRequest

from . import selectors
from .render import web_url

# The email's own inline styles, and nothing else: no script, no other site's resources.
EMAIL_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


# The first page only: a later page's cursor can be made up, so each would be a new copy.
@public_page(shared=False)
@public_clp_view
@require_safe
def archive(request: ClpRequest, clp: CLP) -> HttpResponse:
    page = selectors.archive_page(clp=clp, cursor=request.GET.get("after"))
    return render(request, "newsletters/public/archive.html", {"clp": clp, "page": page})


@public_page(shared=False)
@public_clp_view
@require_safe
@csp_override(EMAIL_CSP)
def web_version(request: ClpRequest, clp: CLP, week_start: datetime.date) -> HttpResponse:
    digest = selectors.published_digest(clp=clp, week_start=week_start)
    if digest is None:
        raise Http404("No weekly email went out for that week.")
    return HttpResponse(digest.web_html)


class FullAtomFeed(Atom1Feed):
    """Atom with each entry's whole email as its content, not only a summary."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@public_page(shared=False)
@public_clp_view
@require_safe
def feed(request: ClpRequest, clp: CLP) -> HttpResponse:
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
        body = _BODY.search(digest.web_html)
        atom.add_item(
            title=digest.subject,
            link=url,
            unique_id=url,
            description=f"{clp.name}, week of {digest.week_start:%-d %B %Y}.",
            content=body.group(1).strip() if body else digest.web_html,
            pubdate=digest.send_started_at,
            updateddate=digest.send_started_at,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type=atom.content_type)
