"""Pulling history from another Open311 GeoReport v2 server (`commonweal import_open311`).

Requests are read from `requests.json` in 90-day windows (the spec's limit), paging with
`page`/`page_size` where the server supports it, and written like any import: matched on
the remote `service_request_id`, quarantined when a date is missing or unreadable,
`case.imported` events at the original times.

The spec knows no paging: a server that has only it answers at most its limit (1,000, or
less) for a window and the same answer for every `page`. A window that may have been cut
short is therefore read again as two halves, and so on down to a second; a second that
still fills a page is an error, never a silent gap. A server that pages, but at most fewer
a page than asked, is read at its own size (`RemoteReader`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from commonweal.cases.importing import (
    UNREADABLE,
    UNREADABLE_TEXT,
    Parsed,
    Record,
    import_rows,
    slug,
)
from commonweal.cases.models import Channel, ImportRun, Outcome, Status
from commonweal.catalog.models import Jurisdiction

WINDOW = dt.timedelta(days=90)
#: a window no shorter is not split any further (the spec's times are whole seconds)
SHORTEST_WINDOW = dt.timedelta(seconds=1)
#: the most pages read of one window (a server that never answers a short page)
MAX_PAGES = 10_000
TIMEOUT = 30
#: the largest answer read for one page (1,000 requests are a few MB): a server sending more
#: is refused rather than filling this process's memory
MAX_PAGE_BYTES = 64 * 1024 * 1024


class RemoteError(Exception):
    """The remote server could not be read; nothing was written."""


def fetch_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"User-Agent": "Commonweal import_open311"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        raise RemoteError(f"{url}: {error}") from error
    if len(body) > MAX_PAGE_BYTES:
        raise RemoteError(f"{url}: the answer is larger than {MAX_PAGE_BYTES:,} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise RemoteError(f"{url}: not JSON ({error})") from error


def remote_requests(
    base_url: str,
    since: dt.datetime,
    until: dt.datetime,
    page_size: int,
    jurisdiction_id: str | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (position, request) for every request made between `since` and `until`."""
    if not base_url.startswith(("http://", "https://")):
        raise RemoteError("the base URL must start with http:// or https://")
    if not 1 <= page_size <= 1000:
        raise RemoteError(f"page size {page_size}: give 1 to 1,000 (the spec's limit)")
    reader = RemoteReader(base_url.rstrip("/") + "/", page_size, jurisdiction_id)
    windows = []  # a stack, the earliest window on top
    start = since
    while start < until:
        windows.append((start, min(start + WINDOW, until)))
        start = windows[-1][1]
    windows.reverse()
    position = 0
    while windows:
        start, end = windows.pop()
        pages = reader.window_pages(start, end)
        if pages is None:  # perhaps cut short, and the server does not page: its halves
            if end - start <= SHORTEST_WINDOW:
                raise RemoteError(
                    f"{reader.base}requests.json lists more than {reader.page_size} requests"
                    f" between {start.isoformat()} and {end.isoformat()} and does not page"
                    " through them: they cannot all be read"
                )
            middle = start + dt.timedelta(seconds=(end - start).total_seconds() // 2)
            windows += [(middle, end), (start, middle)]
            continue
        for page in pages:
            for item in page:
                position += 1
                yield position, storable(item)


class RemoteReader:
    """Reads one server's windows, learning its limits as it goes.

    - A page shorter than `page_size` may be the window's last, or the server's own limit
      on a page (some answer at most 100 or 200 whatever is asked). Page 2 tells them
      apart: empty, it was the last; listing more, the server pages at a smaller size,
      and the window is read again from page 1 at that size (a server may count its
      pages by the size asked or by the size it answers: at its own size, both agree).
    - A server whose page 2 repeats page 1 does not page. Its limit is then unknown, but
      any window it cut short listed exactly that many, the most any window has listed
      (`most_unpaged`): such a window is read again as two halves (None), and one that
      lists fewer is whole. A window of one second is not split: it is whole unless it
      fills a page, which is an error.
    """

    def __init__(self, base: str, page_size: int, jurisdiction_id: str | None) -> None:
        self.base, self.page_size, self.jurisdiction_id = base, page_size, jurisdiction_id
        self.most_unpaged = 0

    def page(self, start: dt.datetime, end: dt.datetime, number: int) -> list[Any]:
        params = {"start_date": start.isoformat(), "end_date": end.isoformat(),
                  "page": number, "page_size": self.page_size}  # fmt: skip
        if self.jurisdiction_id:
            params["jurisdiction_id"] = self.jurisdiction_id
        items = fetch_json(f"{self.base}requests.json?{urllib.parse.urlencode(params)}")
        if not isinstance(items, list):
            raise RemoteError(f"{self.base}requests.json did not answer with a list")
        return items

    def window_pages(self, start: dt.datetime, end: dt.datetime) -> Iterator[list[Any]] | None:
        """The pages of one window, read lazily after the first two; None when the server
        does not page and may have cut the window short."""
        first = self.page(start, end, 1)
        if not first:
            return iter([first])
        second = self.page(start, end, 2)
        if second and _ids(second) == _ids(first):  # `page` ignored
            self.most_unpaged = max(self.most_unpaged, len(first))
            full = len(first) >= self.page_size
            if len(first) < self.most_unpaged or (end - start <= SHORTEST_WINDOW and not full):
                return iter([first])
            return None
        if len(first) < self.page_size:
            if not second:
                return iter([first])
            self.page_size = len(first)  # the server's own limit on a page
            return self.window_pages(start, end)
        return self._more_pages(start, end, first, second)

    def _more_pages(
        self, start: dt.datetime, end: dt.datetime, first: list[Any], second: list[Any]
    ) -> Iterator[list[Any]]:
        yield first
        yield second
        previous, number = second, 2
        while len(previous) >= self.page_size:
            number += 1
            if number > MAX_PAGES:
                raise RemoteError(
                    f"more than {MAX_PAGES:,} pages in one window: use a bigger page size"
                )
            current = self.page(start, end, number)
            if current and _ids(current) == _ids(previous):
                raise RemoteError(
                    f"page {number} repeats page {number - 1}: the server pages wrongly"
                )
            yield current
            previous = current


def _ids(items: list[Any]) -> list[Any]:
    return [item.get("service_request_id") if isinstance(item, dict) else item for item in items]


def storable(value: Any) -> Any:
    """`value` as the database can store it, whatever the remote sent: NULs in its text read
    as UNREADABLE (no database text holds one; `parse_remote` sets the request aside), and
    numbers JSON has none for ("NaN", "Infinity") as text."""
    if isinstance(value, str):
        return value.replace("\x00", UNREADABLE)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    return value


def _coordinate(value: Any, limit: float) -> float | None:
    """A latitude or longitude the remote gave as a number on the globe, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if abs(value) <= limit else None  # NaN is never <=


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def parse_remote(item: Any, position: int) -> Parsed:
    """Turn one Open311 request into a Record (or say what is wrong with it)."""
    parsed = Parsed(record=None)
    if not isinstance(item, dict):
        parsed.problems.append("not a request (a JSON object)")
        return parsed
    if any(isinstance(value, str) and UNREADABLE in value for value in item.values()):
        parsed.problems.append(UNREADABLE_TEXT)
    source_id = str(item.get("service_request_id") or "")
    created = _time(item.get("requested_datetime"))
    closed = item.get("status") == "closed"
    closed_at = _time(item.get("updated_datetime")) if closed else None
    if not source_id:
        parsed.problems.append("missing source id")
    if created is None:
        parsed.problems.append("missing or unreadable requested_datetime (a zone is required)")
    if closed and closed_at is None:
        parsed.problems.append("closed without a readable updated_datetime")
    if created and closed_at and closed_at < created:
        parsed.problems.append("closed before created")
    if not item.get("service_code"):
        parsed.problems.append("missing service")
    lat, long = _coordinate(item.get("lat"), 90), _coordinate(item.get("long"), 180)
    if lat is None or long is None:
        parsed.warnings.append("missing location")
        lat = long = None
    if parsed.problems or created is None:
        return parsed
    agency = str(item.get("agency_responsible") or "Imported")
    parsed.record = Record(
        line=position, source_id=source_id[:100], service_code=slug(str(item["service_code"])),
        service_name=str(item.get("service_name") or item["service_code"])[:200],
        department_code=slug(agency, 40), department_name=agency[:200],
        requested_at=created, closed_at=closed_at,
        status=Status.CLOSED if closed else Status.ACKNOWLEDGED,
        outcome=Outcome.RESOLVED if closed else "",
        description=str(item.get("description") or "")[:4000],
        address=str(item.get("address") or "")[:300],
        zipcode=str(item.get("zipcode") or "")[:20], lat=lat, long=long, channel=Channel.API,
    )  # fmt: skip
    return parsed


@transaction.atomic
def import_open311(
    base_url: str,
    jurisdiction: Jurisdiction,
    since: dt.datetime,
    until: dt.datetime | None = None,
    page_size: int = 1000,
    remote_jurisdiction: str | None = None,
) -> ImportRun:
    """Import every request the remote server lists between `since` and `until` (now)."""
    source = ("open311:" + urllib.parse.urlsplit(base_url).netloc)[:40]
    run = ImportRun.objects.create(
        jurisdiction=jurisdiction, source=source, file_name=base_url[:300], file_sha256=""
    )
    rows = remote_requests(base_url, since, until or timezone.now(), page_size, remote_jurisdiction)
    return import_rows(run, source, rows, parse_remote)
