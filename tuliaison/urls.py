from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from clps import views as clp_views
from pickets import urls as pickets_urls

from . import views
from .admin_access import secure_admin

secure_admin(admin.site)
admin.site.site_header = "TU Liaison administration"
admin.site.site_title = "TU Liaison admin"

handler500 = "tuliaison.middleware.server_error"

urlpatterns = [
    path("", clp_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("anymail/", include("anymail.urls")),
    path("c/<slug:clp_slug>/dashboard/", views.dashboard, name="dashboard"),
    path("", include("privacy.urls")),
    path("c/", include("clps.urls")),
    path("c/<slug:clp_slug>/", include("strikes.urls")),
    path("c/<slug:clp_slug>/import/", include("strikes.import_urls")),
    path("c/<slug:clp_slug>/", include("pickets.urls")),
    path("c/<slug:clp_slug>/", include("newsletters.urls")),
    path("", include((pickets_urls.lead_urlpatterns, "pickets_lead"))),
    # The CLP's calendar with its picket lines comes before the strikes-only calendar.
    path("", include("pickets.public_urls")),
    path("", include("strikes.public_urls")),
    path("", include("newsletters.public_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
