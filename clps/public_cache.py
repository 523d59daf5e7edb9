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
- Only visitors with neither a session cookie (so not signed in) nor a messages cookie read
  or write the cache; a signed-in visitor's page is always their own. Query strings other than
  the ones a page reads, or values it does not take as they are, are not kept (so nobody can
  fill the cache with made-up URLs).
- Kept pages are served by PublicPageCacheMiddleware, just after whitenoise, before the
  session, CSRF, auth and messages middleware run; they are kept with the headers all of
  those gave them when they were made.
- A page is stored with a placeholder where the CSRF token goes, and each visitor gets their
  own token (and cookie) put in as it is served: no visitor's token ever reaches another.
- An ETag (a hash of the page, and of the visitor's CSRF secret where the page holds a token)
  and a Last-Modified time, so a repeat fetch with either gets a 304.

One module, though over 400 lines, because what puts a page out of date (the generations and
the records watched) and what serves it (the keys, the middleware) are one mechanism: a change
to either side must be read against the other.
"""

import functools
import hashlib
import logging
import os
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
)
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, urlencode

from .models import CLP, PostcodeDistrict

logger = logging.getLogger(__name__)

SHARED = "shared"
# Stands in for the CSRF token in a stored page; letters only, so no template escapes it.
PLACEHOLDER = "tuliaisonCsrfTokenOfTheVisitor"
_PLACEHOLDER = PLACEHOLDER.encode()
# Long enough to outlast a busy day, short enough that pages nobody opens leave the cache.
ENTRY_SECONDS = 60 * 60 * 24
_RENDERING = "_public_page_rendering"
_NOT_FOR_KEEPING = "_public_page_not_for_keeping"
_KEEPING = "_public_page_keeping"  # set by the middleware: this request may be kept
_RENDERED = "_public_page_rendered"  # set on a response the public page's view rendered
# Only its methods that read the visitor's cookie and set it on a response are used.
_CSRF = CsrfViewMiddleware(lambda request: HttpResponse())
_CHAR_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
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


def clp_scopes_of(instance: Model) -> list[str]:
    """The scope of the CLP a record belongs to (its `clp`), from the CLP already loaded with it
    where it is, so saving a record read with its CLP costs no query here."""
    if type(instance).clp.is_cached(instance) and instance.clp is not None:  # type: ignore[attr-defined]
        return [clp_scope(instance.clp.slug)]  # type: ignore[attr-defined]
    return clp_scopes(instance.clp_id)  # type: ignore[attr-defined]


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


def not_for_keeping[R: HttpResponseBase](response: R) -> R:
    """Serve this page but do not keep it: a query string the page does not take as it is
    (a day not on the line, a date it moves), so that made-up values cannot fill the cache."""
    setattr(response, _NOT_FOR_KEEPING, True)
    return response


def _entry(
    request: HttpRequest, response: HttpResponseBase, gens: list, old: dict | None
) -> dict | None:
    """What to keep of a freshly rendered page, or None if it must not be kept.

    Its Last-Modified is when it was rendered (a date in the records could be older than a
    copy someone holds of a page that showed other records), kept from the page it replaces
    when nothing in it changed, and always later than that page's when something did."""
    if not getattr(response, _RENDERED, False) or getattr(response, _NOT_FOR_KEEPING, False):
        return None
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
    digest = hashlib.sha256(content).hexdigest()[:32]
    modified = int(timezone.now().timestamp())
    if old is not None and old["hash"] == digest:
        modified = old["modified"]
    elif old is not None:
        modified = max(modified, old["modified"] + 1)
    return {
        "gens": gens,
        "content": content,
        "hash": digest,
        "token": _PLACEHOLDER in content,
        "modified": modified,
        "headers": [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in _NOT_STORED_HEADERS
        ],
    }


def _random_chars(n: int) -> str:
    """n letters and digits from one read of the system's randomness; bytes past the last
    whole multiple of 62 are dropped, so each character is as likely as any other."""
    chars: list[str] = []
    while len(chars) < n:
        chars += [CSRF_ALLOWED_CHARS[b % 62] for b in os.urandom(2 * n) if b < 248]
    return "".join(chars[:n])


def _visitor_token(request: HttpRequest) -> str:
    """What django.middleware.csrf.get_token gives: the visitor's secret (a new one, cookie to
    follow, if they have none) masked with a new random mask. Django draws each character
    with a system call of its own, which was most of the cost of a kept page for someone
    arriving from the weekly email; this reads the randomness once for all of them."""
    secret = request.META.get("CSRF_COOKIE") or _random_chars(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(_CHAR_INDEX[s] + _CHAR_INDEX[m]) % len(CSRF_ALLOWED_CHARS)]
        for s, m in zip(secret, mask, strict=True)
    )


def _with_token(request: HttpRequest, response: HttpResponse, content: bytes) -> bytes:
    """The page with the visitor's own CSRF token where the placeholder stands, and their
    CSRF cookie set on the response (a new one if they had none)."""
    if _PLACEHOLDER not in content:
        return content
    _CSRF.process_request(request)  # the visitor's secret from their cookie, if it is sound
    content = content.replace(_PLACEHOLDER, _visitor_token(request).encode())
    _CSRF.process_response(request, response)
    return content


def _serve(request: HttpRequest, entry: dict) -> HttpResponseBase:
    had_cookie = settings.CSRF_COOKIE_NAME in request.COOKIES
    response = HttpResponse()
    for name, value in entry["headers"]:
        response[name] = value
    response.content = _with_token(request, response, entry["content"])
    response["Content-Length"] = str(len(response.content))  # as CommonMiddleware would
    etag = entry["hash"]
    if entry["token"]:
        # Each visitor's copy holds their own token: one made for another cookie is not theirs.
        secret = request.META.get("CSRF_COOKIE", "")
        etag += "-" + hashlib.sha256(f"{secret}:{etag}".encode()).hexdigest()[:16]
    response["ETag"] = f'"{etag}"'
    response["Last-Modified"] = http_date(entry["modified"])
    if "Cache-Control" not in response:
        # Browsers ask again every time (a change shows on the next request), and a page with
        # someone's token is for their browser alone.
        response["Cache-Control"] = "private, no-cache" if entry["token"] else "no-cache"
    # A visitor with no cookie gets a new token, so their old copy (by date) will not do.
    last_modified = entry["modified"] if had_cookie or not entry["token"] else None
    conditional = get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )
    return conditional if conditional is not None else response


@dataclass(frozen=True)
class PublicPage:
    shared: bool
    clp: bool
    params: frozenset[str]

    def scopes(self, kwargs: dict) -> list[str]:
        return ([SHARED] if self.shared else []) + (
            [clp_scope(kwargs["clp_slug"])] if self.clp else []
        )


def public_page(*, shared: bool = True, clp: bool = True, params: Iterable[str] = ()):
    """Mark a view as a public page that PublicPageCacheMiddleware keeps for anonymous visitors.

    `shared`: the page shows the public records every CLP sees; `clp`: it shows the records or
    settings of the CLP in its URL (clp_slug). `params`: the query-string parameters the page
    reads; a request with any other parameter is rendered and not kept.
    """
    page = PublicPage(shared=shared, clp=clp, params=frozenset(params))

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not getattr(request, _KEEPING, False):
                return view(request, *args, **kwargs)
            response = _render(view, request, args, kwargs)
            setattr(response, _RENDERED, True)
            return response

        # functools.wraps carries this out through the decorators above, to the URL's view.
        wrapper.public_page = page  # type: ignore[attr-defined]
        return wrapper

    return decorator


class _Recent:
    """The pages this process served last, so that a big page (a year's calendar feed is
    200 kB) need not come over from Redis each time. A copy is only served while the
    generations read from the shared cache for the request are the ones it was made with."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, dict] = OrderedDict()

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def clear(self) -> None:
        self.entries.clear()

    def keep(self, key: str, entry: dict) -> None:
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


_recent = _Recent(size=200)


def forget_recent() -> None:
    """Drop this process's copies (for tests, which start each with an empty cache)."""
    _recent.clear()


@functools.lru_cache(maxsize=4096)
def _resolved(path: str) -> tuple[PublicPage, dict] | None:
    """The public page at a path and its URL's arguments, or None: the URL conf does not change
    while the app runs, and resolving it is a fifth of the cost of serving a kept page."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    page = getattr(match.func, "public_page", None)
    return None if page is None else (page, match.kwargs)


@receiver(setting_changed)
def _urls_changed(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _resolved.cache_clear()


def _read(keys: list[str]) -> dict:
    """cache.get_many, without the new Redis client that Django's Redis backend makes for each
    call (a fifth of the cost of serving a kept page): one client is kept per backend."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return backend.get_many(keys)
    store = backend._cache  # noqa: SLF001 - Django's own client, with its pool and serializer
    client = backend.__dict__.get("_public_page_client")
    if client is None:
        client = backend.__dict__["_public_page_client"] = store.get_client(None)
    loads = getattr(store, "_serializer").loads  # noqa: B009
    values = client.mget([backend.make_key(key) for key in keys])
    return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}


class PublicPageCacheMiddleware:
    """Serves kept public pages before the session, CSRF, auth and messages middleware run,
    and keeps them as they come out of those (with their security headers).

    Only for a visitor with no session cookie (so not signed in) and no messages cookie: a
    visitor with either gets the page made for them, as ever."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def _page(self, request: HttpRequest) -> tuple[PublicPage, dict] | None:
        if request.method not in ("GET", "HEAD") or "HTTP_HX_REQUEST" in request.META:
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
            return None
        found = _resolved(request.path_info)
        if found is None or not set(request.GET) <= found[0].params:
            return None
        return found

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        found_page = self._page(request)
        if found_page is None:
            return self.get_response(request)
        page, kwargs = found_page
        gen_keys = [_generation_key(scope) for scope in page.scopes(kwargs)]
        key = _entry_key(request, tuple(sorted(page.params)))
        # A copy this process served lately needs only the generations read to be served.
        near = _recent.get(key)
        try:
            found = _read(gen_keys if near is not None else [key, *gen_keys])
        except Exception:
            logger.exception("The page cache is out: rendering %s", request.path)
            return self.get_response(request)
        gens = [found.get(gen_key) for gen_key in gen_keys]
        for old in (near, found.get(key)):
            if old is not None and old["gens"] == gens and None not in gens:
                _recent.keep(key, old)
                return _serve(request, old)
        old = found.get(key, near)
        setattr(request, _KEEPING, True)
        response = self.get_response(request)
        entry = _entry(request, response, gens, old=old)
        if entry is None:
            if isinstance(response, HttpResponse) and not response.streaming:
                response.content = _with_token(request, response, response.content)
            return response
        try:
            if None in gens:
                # A page is only kept against generations read before it was rendered: a
                # missing one is made now (unless a change made it meanwhile), and the next
                # request keeps the page.
                for gen_key, gen in zip(gen_keys, gens, strict=True):
                    if gen is None:
                        cache.add(gen_key, secrets.token_hex(8), timeout=None)
            else:
                cache.set(key, entry, timeout=ENTRY_SECONDS)
                _recent.keep(key, entry)
        except Exception:
            logger.exception("Could not keep %s in the page cache", request.path)
        return _serve(request, entry)
