"""Open311 XML from the same dicts and lists the JSON shows.

A list becomes repeated child elements named for its items (`services` -> `service`); the
names of nested lists are fixed by the specification and its extensions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

#: the element name of each item of a nested list
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "media_urls": "media_url",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):  # as the JSON renderer writes it: W3C, to the second
        return value.isoformat(timespec="seconds")
    return str(value)


def _fill(element: ET.Element, value: Any, item_name: str = "item") -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child, LIST_ITEMS.get(name, "item"))
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def render(root: str, item: str | None, data: Any) -> bytes:
    """Return the UTF-8 XML document for `data` under `root` (list items named `item`)."""
    element = ET.Element(root)
    _fill(element, data, item or "item")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )
