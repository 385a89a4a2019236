"""JSON and XML renderers that speak Open311: UTF-8, declared charset, the spec's roots."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer

from commonweal.open311 import xml


class Open311JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Times to the second with their offset (W3C); anything else unknown (a lazy
        # translation) as its text.
        return orjson.dumps(data, default=str, option=orjson.OPT_OMIT_MICROSECONDS)


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
