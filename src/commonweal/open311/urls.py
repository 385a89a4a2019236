"""Open311 GeoReport v2 at /open311/v2/: every resource in `.json` and `.xml`, the path
aliases real clients use (`service/…`, `request/…`), and the OpenAPI document."""

from typing import Any

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from commonweal.open311 import views

app_name = "open311"


def both_formats(route: str, view: Any, name: str) -> list[URLPattern]:
    """`route.json` and `route.xml`, each passing its format to the view."""
    return [
        path(f"{route}.{fmt}", view, {"format": fmt}, name=f"{name}-{fmt}")
        for fmt in ("json", "xml")
    ]


def alias(view_class: Any) -> Any:
    """The same view, left out of the OpenAPI document."""
    hidden: Any = type(f"Alias{view_class.__name__}", (view_class,), {"schema": None})
    return hidden.as_view()


urlpatterns = [
    *both_formats("discovery", views.DiscoveryView.as_view(), "discovery"),
    *both_formats("services", views.ServiceListView.as_view(), "services"),
    *both_formats("services/<str:service_code>", views.ServiceDefinitionView.as_view(), "service"),
    *both_formats(
        "service/<str:service_code>", alias(views.ServiceDefinitionView), "service-alias"
    ),
    *both_formats("requests", views.RequestListView.as_view(), "requests"),
    *both_formats(
        "requests/<str:service_request_id>", views.RequestDetailView.as_view(), "request"
    ),
    *both_formats(
        "request/<str:service_request_id>", alias(views.RequestDetailView), "request-alias"
    ),
    *both_formats("tokens/<str:token>", views.TokenView.as_view(), "token"),
    *both_formats("servicerequestupdates", views.UpdatesView.as_view(), "updates"),
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(urlconf="commonweal.open311.urls"),
        name="openapi",
    ),
    re_path(r"^(?P<rest>.*)$", views.unknown_resource),  # the endpoint's own root too
]
