"""How a city's CSV export maps onto Commonweal's fields: a small declarative TOML file.

A mapping names the source (`source = "nyc311"`, kept with every imported request so that
a re-import updates instead of duplicating), the time zone of naive timestamps, the file's
text encoding (`encoding = "cp1252"`; UTF-8 when not given, with or without a byte-order
mark), and:

    [columns]           # our field = their column; only source_id, created and service are required
    source_id = "Unique Key"
    created = "Created Date"
    closed = "Closed Date"
    status = "Status"
    service = "Complaint Type"      # the service code is derived from it (lower-case, hyphens)
    service_name = "Complaint Type" # optional: the name shown for a service created on import
    department = "Agency"           # code of the department owning a service created on import
    department_name = "Agency Name"
    description = "Descriptor"
    address = "Incident Address"
    zipcode = "Incident Zip"
    lat = "Latitude"
    long = "Longitude"
    channel = "Open Data Channel Type"
    district = "Council District"   # optional: the district, by our code or name (see below)

    [dates]
    formats = ["%m/%d/%Y %I:%M:%S %p"]   # tried in order (strptime); ISO 8601 is always tried last

    [status]            # their value = "open", or "closed:<outcome>"
    "Closed" = "closed:resolved"
    "Open" = "open"

    [channel]           # their value = one of web, phone, app, api, counter, email, other
    "PHONE" = "phone"

    [district]          # optional: their value = the code of one of our districts
    "01 MANHATTAN" = "mn-01"

Values are compared after trimming spaces; an empty status or channel value can be mapped
with the key "". A district value not in [district] is matched against the jurisdiction's
districts by code, then by name (ignoring case); a value that matches none is counted in the
data-quality report and the request's location decides its district instead, as it does
when the column is not mapped or empty. Presets for known layouts live beside this module
(`presets/*.toml`).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commonweal.cases.importing.times import time_reader
from commonweal.cases.models import Channel, Outcome, ServiceRequest

PRESETS = Path(__file__).parent / "presets"
#: the longest `source` a mapping may name (what a request keeps of it)
SOURCE_LENGTH = ServiceRequest._meta.get_field("source").max_length or 40
REQUIRED_COLUMNS = ("source_id", "created", "service")
KNOWN_COLUMNS = (
    *REQUIRED_COLUMNS, "closed", "status", "service_name", "department", "department_name",
    "description", "address", "zipcode", "lat", "long", "channel", "district",
)  # fmt: skip


class MappingError(ValueError):
    """The mapping file itself is wrong; the message says where."""


@dataclass(frozen=True)
class Mapping:
    source: str
    zone: zoneinfo.ZoneInfo
    columns: dict[str, str]
    date_formats: tuple[str, ...]
    statuses: dict[str, tuple[str, str]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)
    #: the file's text encoding, as Python names it (`_encoding`)
    encoding: str = "utf-8-sig"

    def column(self, name: str) -> str | None:
        return self.columns.get(name)

    def at_clock_change(self, moment: dt.datetime) -> bool:
        """True for a time read in this mapping's zone at a local time the clocks passed twice
        (going back) or skipped (going forward): it has two readings, and `parse_time` kept
        the one with the offset in force before the change."""
        return (
            moment.tzinfo is self.zone and moment.utcoffset() != moment.replace(fold=1).utcoffset()
        )

    def parse_time(self, text: str) -> dt.datetime | None:
        """Return the aware time, or None when `text` matches no format."""
        text = text.strip()
        for form in self.date_formats:
            moment = time_reader(form)(text)
            if moment is not None:
                return moment.replace(tzinfo=self.zone)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)


def _statuses(table: dict[str, Any]) -> dict[str, tuple[str, str]]:
    statuses = {}
    for raw, meaning in table.items():
        state, _, outcome = str(meaning).partition(":")
        if state not in ("open", "closed") or (state == "closed" and outcome not in Outcome.values):
            raise MappingError(f"[status] {raw!r} = {meaning!r}: use 'open' or 'closed:<outcome>' "
                               f"with an outcome among {', '.join(Outcome.values)}")  # fmt: skip
        statuses[raw.strip()] = (state, outcome if state == "closed" else "")
    return statuses


def _districts(table: Any) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise MappingError('[district]: give each of their values as text = "our district code"')
    return {str(raw).strip(): code.strip() for raw, code in table.items()}


def _date_formats(dates: Any) -> tuple[str, ...]:
    """The [dates] formats, each checked on a sample time: it must be a format strptime
    knows, and read back at least the whole date it wrote."""
    formats = dates.get("formats", []) if isinstance(dates, dict) else None
    if not isinstance(formats, list) or not all(isinstance(form, str) for form in formats):
        raise MappingError('[dates]: formats = ["%m/%d/%Y %I:%M:%S %p", ...] (strptime formats)')
    sample = dt.datetime(2021, 3, 24, 13, 5, 6, tzinfo=dt.UTC)
    for form in formats:
        try:
            read = dt.datetime.strptime(sample.strftime(form), form)
        except (ValueError, re.error) as error:  # re.error: a directive given twice
            raise MappingError(f"[dates] {form!r}: {error}") from error
        if read.date() != sample.date():
            raise MappingError(f"[dates] {form!r} does not hold a whole date (year, month, day)")
    return tuple(formats)


def _encoding(name: Any) -> str:
    """The codec a file in encoding `name` is read with: UTF-8 reads a byte-order mark too;
    the csv module needs newlines, commas and quotes written as ASCII writes them."""
    try:
        codec = codecs.lookup(str(name))
    except LookupError as error:
        raise MappingError(f"encoding: no encoding called {name!r}") from error
    if codec.name in ("utf-8", "utf-8-sig"):
        return "utf-8-sig"
    if codec.encode('\n,"')[0] != b'\n,"':
        raise MappingError(
            f"encoding {name!r}: only encodings that write newlines, commas and quotes as ASCII"
            " does can be read (utf-8, cp1252, latin-1…); convert the file to UTF-8 first"
        )
    return codec.name


def _table(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The mapping's table `name` (empty when not given)."""
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise MappingError(f'[{name}]: give a table, one line per value: "in the file" = "ours"')
    return table


def _source(document: dict[str, Any]) -> str:
    """The name imported requests keep of where they came from (ServiceRequest.source)."""
    source = str(document.get("source") or "import")
    if len(source) > SOURCE_LENGTH:
        raise MappingError(f"source: at most {SOURCE_LENGTH} characters ({source[:50]!r}…)")
    return source


def parse_mapping(document: dict[str, Any]) -> Mapping:
    """Check a loaded TOML document and return the Mapping it describes."""
    columns = document.get("columns")
    if not isinstance(columns, dict):
        raise MappingError("a [columns] table is required")
    missing = [name for name in REQUIRED_COLUMNS if not columns.get(name)]
    unknown = sorted(set(columns) - set(KNOWN_COLUMNS))
    if missing or unknown:
        raise MappingError(
            f"[columns]: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
        )
    try:
        zone = zoneinfo.ZoneInfo(str(document.get("time_zone", "UTC")))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise MappingError(f"time_zone: {error}") from error
    channels = {str(raw).strip(): str(value) for raw, value in _table(document, "channel").items()}
    bad = [value for value in channels.values() if value not in Channel.values]
    if bad:
        raise MappingError(f"[channel]: unknown channels {bad}; use {', '.join(Channel.values)}")
    return Mapping(
        source=_source(document),
        zone=zone,
        columns={name: str(column) for name, column in columns.items()},
        date_formats=_date_formats(document.get("dates", {})),
        statuses=_statuses(_table(document, "status")),
        channels=channels,
        districts=_districts(document.get("district", {})),
        encoding=_encoding(document.get("encoding", "utf-8")),
    )


def load_mapping(path: Path) -> Mapping:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as error:
        raise MappingError(f"cannot read {path}: {error}") from error
    return parse_mapping(document)


def preset_names() -> list[str]:
    """The presets shipped with Commonweal, by name."""
    return sorted(path.stem for path in PRESETS.glob("*.toml"))


def preset(name: str) -> Mapping:
    known = preset_names()
    if name not in known:
        raise MappingError(f"no preset {name!r}; the presets are: {', '.join(known)}")
    return load_mapping(PRESETS / f"{name}.toml")
