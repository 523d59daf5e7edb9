"""Public pages kept whole in the shared cache for anonymous visitors, and put out of date the
moment what they show changes.

The rush after the weekly email is thousands of anonymous visitors opening the same few pages;
each page is the same for all of them until a record changes, so it is rendered once and then
served from the cache (Redis in production) without touching the database.

What keeps a cached page right:

- Each page names the generations it depends on: "shared" (the public records every CLP sees:
  unions, disputes, days, ballots) and/or its CLP's own (picket lines, sign-up counts,
  settings, the weekly emails it published). A generation is a random value; every save or
  delete of a record a page shows sets a new one (at once, and again when the transaction
  commits, so a page rendered in between from data not yet committed is not kept). A stored
  page whose generations are not the current ones is rendered afresh. Apps say which of their
  models count, and for which CLP, with `watch` from their AppConfig.ready(); writes that send
  no signals (`update()`, `bulk_create()`) call `bump` themselves.
- The London date is part of the key, so "today" moves on at midnight.
- Only anonymous visitors with no messages waiting read or write the cache; a signed-in
  visitor's page is always their own. Query strings other than the ones a page reads are
  not cached at all (so nobody can fill the cache with made-up URLs).
- A page is stored with a placeholder where the CSRF token goes, and each visitor gets their
  own token (and cookie) put in as it is served: no visitor's token ever reaches another.
- An ETag (a hash of the page, and of the visitor's CSRF secret where the page holds a token)
  and a Last-Modified time, so a repeat fetch with either gets a 304.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, urlencode

from .models import CLP, PostcodeDistrict

logger = logging.getLogger(__name__)

SHARED = "shared"
# Stands in for the CSRF token in a stored page; letters only, so no template escapes it.
PLACEHOLDER = "tuliaisonCsrfTokenOfTheVisitor"
_PLACEHOLDER = PLACEHOLDER.encode()
# Long enough to outlast a busy day, short enough that pages nobody opens leave the cache.
ENTRY_SECONDS = 60 * 60 * 24
_RENDERING = "_public_page_rendering"
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_NOT_STORED_HEADERS = {"etag", "last-modified", "content-length", "set-cookie"}


def clp_scope(slug: str) -> str:
    return f"clp:{slug}"


def _generation_key(scope: str) -> str:
    return f"public-page-generation:{scope}"


def _new_generations(scopes: Iterable[str]) -> None:
    try:
        cache.set_many(
            {_generation_key(scope): secrets.token_hex(8) for scope in scopes}, timeout=None
        )
    except Exception:
        # Cached pages cannot be served either while the cache is out, and a failed write must
        # not undo the record it was for.
        logger.exception("Could not mark public pages out of date: %s", list(scopes))


def bump(*scopes: str) -> None:
    """Put every cached page that shows these scopes out of date: now, and again at commit."""
    scopes = tuple(dict.fromkeys(scopes))
    if not scopes:
        return
    _new_generations(scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_new_generations, scopes), robust=True)


def is_bump(callback: Callable) -> bool:
    """Whether an on-commit callback is one of bump's (for tests that count the others)."""
    return getattr(callback, "func", None) is _new_generations


def bump_shared() -> None:
    bump(SHARED)


def bump_clps(clp_ids: Iterable[int | None]) -> None:
    """Put the pages of these CLPs out of date (their own records changed)."""
    bump(*clp_scopes(*clp_ids))


# Which records count. Each app calls these from its AppConfig.ready().


def watch(model: type[Model], scopes: Callable[[Any], Iterable[str]]) -> None:
    """Every save or delete of `model` bumps the scopes `scopes(instance)` returns."""

    def changed(sender, instance, **kwargs) -> None:
        bump(*scopes(instance))

    uid = f"public_cache:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)


def watch_m2m(through: type[Model], scopes: Callable[[Any, bool, set | None], Iterable[str]]):
    """Every change to a many-to-many relation bumps `scopes(instance, reverse, pk_set)`."""

    def changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
        if action.startswith("post_"):
            bump(*scopes(instance, reverse, pk_set))

    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"public_cache:{through._meta.label}"
    )


def watch_shared(*models: type[Model]) -> None:
    for model in models:
        watch(model, lambda instance: [SHARED])


def clp_scopes(*clp_ids: int | None) -> list[str]:
    ids = {pk for pk in clp_ids if pk is not None}
    return [clp_scope(s) for s in CLP.objects.filter(pk__in=ids).values_list("slug", flat=True)]


def _clp_saving(sender, instance: CLP, **kwargs) -> None:
    # A new slug leaves pages cached under the old one: they must go too.
    if instance.pk is not None:
        before = CLP.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        setattr(instance, "_slug_before", before)  # noqa: B010


def connect_clps() -> None:
    """The CLP's own settings: its name, slug, postcode districts."""
    pre_save.connect(_clp_saving, sender=CLP, dispatch_uid="public_cache:clp_slug")
    watch(
        CLP,
        lambda clp: [
            clp_scope(slug) for slug in {clp.slug, getattr(clp, "_slug_before", None)} if slug
        ],
    )
    watch(PostcodeDistrict, lambda district: clp_scopes(district.clp_id))


# The pages.


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: a page being rendered for the cache gets the placeholder as its
    CSRF token (this runs after Django's own csrf processor, so it wins)."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, _RENDERING, False) else {}


def _cacheable_visitor(request: HttpRequest) -> bool:
    """Anonymous, with no messages waiting to be shown. With no session cookie this costs no
    query: the user and the messages come from cookies alone."""
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return not len(get_messages(request))


def _entry_key(request: HttpRequest, params: tuple[str, ...]) -> str:
    query = urlencode(sorted((k, v) for k in params for v in request.GET.getlist(k)))
    parts = (
        request.scheme or "",
        request.get_host(),
        request.path,
        query,
        timezone.localdate().isoformat(),
    )
    return "public-page:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _render(view, request: HttpRequest, args, kwargs) -> HttpResponseBase:
    """The view's page with the placeholder for a token, as if the visitor had no copy yet."""
    saved = {h: request.META.pop(h) for h in _CONDITIONAL if h in request.META}
    setattr(request, _RENDERING, True)
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        return response
    finally:
        setattr(request, _RENDERING, False)
        request.META.update(saved)


def _entry(request: HttpRequest, response: HttpResponseBase, gens: list) -> dict | None:
    """What to keep of a freshly rendered page, or None if it must not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    assert isinstance(response, HttpResponse)
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return None
    session = getattr(request, "session", None)
    if (session is not None and session.modified) or len(get_messages(request)):
        return None
    content = response.content
    modified = parse_http_date_safe(response.get("Last-Modified", "")) or int(time.time())
    return {
        "gens": gens,
        "content": content,
        "hash": hashlib.sha256(content).hexdigest()[:32],
        "token": _PLACEHOLDER in content,
        "modified": modified,
        "headers": [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _NOT_STORED_HEADERS
        ],
        "csp": getattr(response, "_csp_config", None),
        "csp_ro": getattr(response, "_csp_ro_config", None),
    }


def _with_token(request: HttpRequest, content: bytes) -> bytes:
    if _PLACEHOLDER not in content:
        return content
    # get_token also has CsrfViewMiddleware set the visitor's cookie on the way out.
    return content.replace(_PLACEHOLDER, get_token(request).encode())


def _serve(request: HttpRequest, entry: dict) -> HttpResponseBase:
    etag = entry["hash"]
    had_cookie = settings.CSRF_COOKIE_NAME in request.COOKIES
    content = _with_token(request, entry["content"])
    if entry["token"]:
        # Each visitor's copy holds their own token: one made for another cookie is not theirs.
        secret = request.META.get("CSRF_COOKIE", "")
        etag += "-" + hashlib.sha256(f"{secret}:{etag}".encode()).hexdigest()[:16]
    response = HttpResponse(content)
    for name, value in entry["headers"]:
        response[name] = value
    response["ETag"] = f'"{etag}"'
    response["Last-Modified"] = http_date(entry["modified"])
    if "Cache-Control" not in response:
        # Browsers ask again every time (a change shows on the next request), and a page with
        # someone's token is for their browser alone.
        response["Cache-Control"] = "private, no-cache" if entry["token"] else "no-cache"
    if entry["csp"] is not None:
        response._csp_config = entry["csp"]  # type: ignore[attr-defined]
    if entry["csp_ro"] is not None:
        response._csp_ro_config = entry["csp_ro"]  # type: ignore[attr-defined]
    # A visitor with no cookie gets a new token, so their old copy (by date) will not do.
    last_modified = entry["modified"] if had_cookie or not entry["token"] else None
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    return conditional if conditional is not None else response


def public_page(*, shared: bool = True, clp: bool = True, params: Iterable[str] = ()):
    """Cache a public page whole for anonymous visitors.

    `shared`: the page shows the public records every CLP sees; `clp`: it shows the records or
    settings of the CLP in its URL (clp_slug). `params`: the query-string parameters the page
    reads; a request with any other parameter is rendered and not kept.
    """
    params = tuple(sorted(params))

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if (
                request.method not in ("GET", "HEAD")
                or "HTTP_HX_REQUEST" in request.META
                or not set(request.GET) <= set(params)
                or not _cacheable_visitor(request)
            ):
                return view(request, *args, **kwargs)
            scopes = ([SHARED] if shared else []) + ([clp_scope(kwargs["clp_slug"])] if clp else [])
            gen_keys = [_generation_key(scope) for scope in scopes]
            key = _entry_key(request, params)
            try:
                found = cache.get_many([key, *gen_keys])
            except Exception:
                logger.exception("The page cache is out: rendering %s", request.path)
                return view(request, *args, **kwargs)
            gens = [found.get(gen_key) for gen_key in gen_keys]
            entry = found.get(key)
            if entry is not None and entry["gens"] == gens and None not in gens:
                return _serve(request, entry)
            response = _render(view, request, args, kwargs)
            entry = _entry(request, response, gens)
            if entry is None:
                if isinstance(response, HttpResponse) and not response.streaming:
                    response.content = _with_token(request, response.content)
                return response
            try:
                if None in gens:
                    # A page is only kept against generations read before it was rendered: a
                    # missing one is made now (unless a change made it meanwhile), and the
                    # next request keeps the page.
                    for gen_key, gen in zip(gen_keys, gens, strict=True):
                        if gen is None:
                            cache.add(gen_key, secrets.token_hex(8), timeout=None)
                else:
                    cache.set(key, entry, timeout=ENTRY_SECONDS)
            except Exception:
                logger.exception("Could not keep %s in the page cache", request.path)
            return _serve(request, entry)

        return wrapper

    return decorator
