"""Top-level URL map: the admin, and each audience app's own pages."""

from django.contrib import admin
from django.urls import include, path, re_path

from commonweal.core import views as core_views
from commonweal.open311 import views as open311_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("console/", include("commonweal.console.urls")),
    path("open311/", open311_views.guide, name="open311-guide"),
    path("open311/v2/", include("commonweal.open311.urls")),
    # Photos residents attached (cleaned, unguessable names); nothing else in MEDIA_ROOT.
    path("favicon.ico", core_views.favicon),
    re_path(r"^media/(?P<path>requests/[0-9a-f]{32}\.(?:jpg|png|webp))$", core_views.photo),
    path("", include("commonweal.portal.urls")),
]
