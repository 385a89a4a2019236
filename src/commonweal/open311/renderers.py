"""JSON and XML renderers that speak Open311: UTF-8, declared charset, the spec's roots."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer

from commonweal.open311 import xml


class Open311JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Open311XMLRenderer(BaseRenderer):
    """Renders under the root and item names the view put on the response (`xml_root`)."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        root, item = getattr(response, "xml_root", ("response", "item"))
        return xml.render(root, item, data)
