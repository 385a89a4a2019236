"""Read the operational database as Arrow tables through ADBC — never row by row in Python.

Two queries feed the snapshot: the requests (their current state, with the codes of what they
belong to and how often they were reopened) and the survey answers. Both run on a connection of
their own, so they see what has been committed, as any other reader would.

SQLite has no column types to speak of, and ADBC's SQLite driver takes a column's type from its
first rows: every column that can be NULL is therefore coalesced to a value of its type (text to
'', timestamps — stored as text — to ''), and `snapshot.canonical` turns those back into NULLs.
PostgreSQL hands over real types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import pyarrow as pa
from django.db import connection

#: the case-log events that tell a request was reopened
REOPENED = "case.reopened"


@dataclass(frozen=True)
class Source:
    """Where the snapshot reads from: which engine, and how ADBC reaches it."""

    vendor: str  # "postgresql" or "sqlite"
    target: str  # a URI for PostgreSQL, a file path for SQLite


def current_source() -> Source:
    """The database Django is using now (the test database during tests)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return Source("sqlite", str(settings["NAME"]))
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return Source("postgresql", f"postgresql://{credentials}{host}{port}/{settings['NAME']}")


def _text(column: str, vendor: str) -> str:
    return f"COALESCE({column}, '')"


def _time(column: str, vendor: str) -> str:
    return column if vendor == "postgresql" else f"COALESCE({column}, '')"


def requests_sql(vendor: str, changed_since: Mapping[int, tuple[int, int]] | None) -> str:
    """The requests query; with `changed_since` ({jurisdiction pk: (after, up to)} sequence
    numbers) only the requests the case log touched in those ranges."""
    t = lambda column: _time(column, vendor)  # noqa: E731
    where = ""
    if changed_since is not None:
        ranges = " OR ".join(
            f"(e.jurisdiction_id = {int(pk)} AND e.sequence > {int(after)}"
            f" AND e.sequence <= {int(upto)})"
            for pk, (after, upto) in sorted(changed_since.items())
        )
        where = (
            "WHERE r.id IN (SELECT e.request_id FROM cases_caseevent e "
            f"WHERE e.request_id IS NOT NULL AND ({ranges or 'FALSE'}))"
        )
    return f"""
        SELECT r.id AS id,
               j.jurisdiction_id AS jurisdiction,
               j.time_zone AS time_zone,
               dep.code AS department,
               s.service_code AS service,
               {_text("dis.code", vendor)} AS district,
               r.channel AS channel,
               r.priority AS priority,
               r.status AS status,
               r.outcome AS outcome,
               {t("r.requested_at")} AS requested_at,
               {t("r.acknowledged_at")} AS acknowledged_at,
               {t("r.closed_at")} AS closed_at,
               {t("r.resolve_due")} AS resolve_due,
               CASE WHEN r.duplicate_of_id IS NULL THEN 0 ELSE 1 END AS duplicate,
               (SELECT COUNT(*) FROM cases_caseevent x
                 WHERE x.request_id = r.id AND x.action = '{REOPENED}') AS reopened
          FROM cases_servicerequest r
          JOIN catalog_jurisdiction j ON j.id = r.jurisdiction_id
          JOIN catalog_department dep ON dep.id = r.department_id
          JOIN catalog_service s ON s.id = r.service_id
          LEFT JOIN catalog_district dis ON dis.id = r.district_id
          {where}
    """


def surveys_sql(vendor: str) -> str:
    """Every invitation that went out, with its answers when there are some."""
    t = lambda column: _time(column, vendor)  # noqa: E731
    answers = "CAST(v.answers AS TEXT)" if vendor == "postgresql" else "v.answers"
    return f"""
        SELECT i.request_id AS id,
               {t("i.sent_at")} AS sent_at,
               {t("v.submitted_at")} AS submitted_at,
               COALESCE(v.form, '') AS form,
               COALESCE({answers}, '') AS answers
          FROM feedback_surveyinvitation i
          LEFT JOIN feedback_surveyresponse v ON v.request_id = i.request_id
         WHERE i.sent_at IS NOT NULL
    """


def heads_sql() -> str:
    return "SELECT jurisdiction_id, sequence FROM cases_loghead"


def fetch(source: Source, sql: str) -> pa.Table:
    """Run one query through ADBC and return the whole answer as an Arrow table."""
    if source.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as driver
    else:
        import adbc_driver_sqlite.dbapi as driver  # type: ignore[no-redef]
    with driver.connect(source.target) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetch_arrow_table()


def log_heads(source: Source) -> dict[int, int]:
    """The last sequence number of each jurisdiction's case log."""
    table = fetch(source, heads_sql()).to_pydict()
    return {
        int(pk): int(seq)
        for pk, seq in zip(table["jurisdiction_id"], table["sequence"], strict=True)
    }
