import logging
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import URLPattern, include, path

from clps import views as clp_views
from pickets import urls as pickets_urls

from . import views

handler500 = "tuliaison.middleware.server_error"
logger = logging.getLogger(__name__)


def _configured_service_only(view):
    """A webhook of an email service this site has no keys (or no package) for is a 404: else
    anyone opening its URL would get a 500. Logged with what is missing, in case it is the
    service the site does use."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError as exc:
            logger.warning("Webhook of an email service with no settings: %s", exc)
            raise Http404("This site takes no webhooks from that email service.") from exc

    return wrapper


anymail_patterns = [
    URLPattern(p.pattern, _configured_service_only(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
]

urlpatterns = [
    path("", clp_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("anymail/", include((anymail_patterns, anymail_urls.app_name))),
    path("c/<slug:clp_slug>/dashboard/", views.dashboard, name="dashboard"),
    path("", include("privacy.urls")),
    path("c/", include("clps.urls")),
    path("", include("clps.public_urls")),
    path("c/<slug:clp_slug>/", include("strikes.urls")),
    path("c/<slug:clp_slug>/import/", include("strikes.import_urls")),
    path("c/<slug:clp_slug>/", include("pickets.urls")),
    path("c/<slug:clp_slug>/", include("newsletters.urls")),
    path("", include((pickets_urls.lead_urlpatterns, "pickets_lead"))),
    path("", include((pickets_urls.going_urlpatterns, "pickets_going"))),
    path("", include((pickets_urls.invited_urlpatterns, "pickets_invited"))),
    path("", include("pickets.public_urls")),
    path("", include("strikes.public_urls")),
    path("", include("newsletters.public_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
