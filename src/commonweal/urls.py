"""Top-level URL map: the admin and the landing page; each audience app adds its own."""

from django.contrib import admin
from django.urls import include, path

from commonweal.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("commonweal.open311.urls")),
]
