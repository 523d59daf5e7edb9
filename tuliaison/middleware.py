"""Responses every page gets: the Permissions-Policy header, and a 503 page while the database is
unreachable."""

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Long enough for a database restart or failover; short enough that a reader retrying by hand
# does not wait for nothing.
RETRY_AFTER_SECONDS = 30


class PermissionsPolicyMiddleware:
    """Django has no setting for Permissions-Policy: the app uses no camera, microphone,
    location, payment or USB device, so no page (nor anything injected into one) may ask."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request, so no context processor runs: the ones that find the user
    # or the CLP would query the database that is down.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a page saying so, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("Database unavailable: %s", request.path, exc_info=exception)
        return database_unavailable_response()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside any view (in a middleware, say) still gets the
    503 page; anything else gets the usual 500 page."""
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return database_unavailable_response()
    return defaults.server_error(request)
