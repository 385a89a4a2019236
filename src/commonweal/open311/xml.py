"""Open311 XML from the same dicts and lists the JSON shows.

A list becomes repeated child elements named for its items (`services` -> `service`); the
names of nested lists are fixed by the specification and its extensions.
"""

from __future__ import annotations

import datetime as dt
import re
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


#: characters XML 1.0 cannot hold, even escaped: C0 controls but tab and line ends, lone
#: surrogates, U+FFFE and U+FFFF. A request's text may carry them (a client's description, an
#: imported export); a strict parser would refuse the whole document, so they are written as
#: U+FFFD, the replacement character (the JSON answer keeps them, escaped)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    document = NOT_XML.sub("\ufffd", ET.tostring(element, encoding="unicode"))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + document.encode()
