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

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa

#: the case-log events that tell a request was reopened
REOPENED = "case.reopened"


@dataclass(frozen=True)
class Source:
    """Where the snapshot reads from: which engine, and how ADBC reaches it."""

    vendor: str  # "postgresql" or "sqlite"
    target: str  # a URI for PostgreSQL, a file path for SQLite


def current_source() -> Source:
    """The database Django is using now (the test database during tests)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return Source("sqlite", str(settings["NAME"]))
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return Source("postgresql", f"postgresql://{credentials}{host}{port}/{settings['NAME']}")


def _text(column: str) -> str:
    return f"COALESCE({column}, '')"


def _time(column: str, vendor: str) -> str:
    return column if vendor == "postgresql" else f"COALESCE({column}, '')"


def _touched(changed_since: Mapping[int, int]) -> str:
    """SQL for the ids of the requests the case log touched after `changed_since` ({jurisdiction
    pk: sequence number}; jurisdictions not named: from the start)."""
    known = sorted(changed_since.items())
    others = ", ".join(str(int(pk)) for pk, _ in known)
    ranges = " OR ".join(
        [f"(e.jurisdiction_id = {int(pk)} AND e.sequence > {int(after)})" for pk, after in known]
        + [f"e.jurisdiction_id NOT IN ({others})" if others else "TRUE"]
    )
    return (
        f"SELECT e.request_id FROM cases_caseevent e WHERE e.request_id IS NOT NULL AND ({ranges})"
    )


def requests_sql(vendor: str, changed_since: Mapping[int, int] | None) -> str:
    """The requests query; with `changed_since` ({jurisdiction pk: sequence number}) only the
    requests the case log touched after those points (jurisdictions not named: from the
    start)."""
    t = lambda column: _time(column, vendor)  # noqa: E731
    where = "" if changed_since is None else f"WHERE r.id IN ({_touched(changed_since)})"
    return f"""
        SELECT r.id AS id,
               j.jurisdiction_id AS jurisdiction,
               j.time_zone AS time_zone,
               dep.code AS department,
               s.service_code AS service,
               {_text("dis.code")} AS district,
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


@dataclass(frozen=True)
class SurveysSince:
    """What a refresh reads of the surveys again: every invitation sent, and every invitation
    answered, at or after `time` (the previous refresh's start, less a margin), and those of
    the requests the case log touched after `changed_since` (their department, service,
    district or channel may have changed)."""

    time: dt.datetime
    changed_since: Mapping[int, int]


def _time_literal(moment: dt.datetime, vendor: str) -> str:
    """A UTC time as the database compares it: a timestamptz on PostgreSQL, the text Django
    stores on SQLite."""
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if vendor == "postgresql":
        return f"TIMESTAMPTZ '{utc.isoformat(sep=' ')}+00:00'"
    return f"'{utc.isoformat(sep=' ')}'"


def surveys_sql(vendor: str, since: SurveysSince | None = None) -> str:
    """Every invitation that went out, with its answers when there are some; with `since`,
    only the invitations that may have changed since (an invitation's every response, so
    that its rows replace the ones read before)."""
    t = lambda column: _time(column, vendor)  # noqa: E731
    answers = "CAST(v.answers AS TEXT)" if vendor == "postgresql" else "v.answers"
    changed = ""
    if since is not None:
        after = _time_literal(since.time, vendor)
        # one list of ids, each part read by an index, then each invitation by its request
        changed = f"""
           AND i.request_id IN (
               SELECT a.request_id FROM feedback_surveyinvitation a WHERE a.sent_at >= {after}
               UNION SELECT b.request_id FROM feedback_surveyresponse b
                      WHERE b.submitted_at >= {after}
               UNION {_touched(since.changed_since)})"""
    return f"""
        SELECT i.request_id AS id,
               {t("i.sent_at")} AS sent_at,
               {t("v.submitted_at")} AS submitted_at,
               COALESCE(v.form, '') AS form,
               COALESCE({answers}, '') AS answers
          FROM feedback_surveyinvitation i
          LEFT JOIN feedback_surveyresponse v ON v.request_id = i.request_id
         WHERE i.sent_at IS NOT NULL{changed}
    """


def heads_sql() -> str:
    return "SELECT jurisdiction_id, sequence FROM cases_loghead"


def fetch(source: Source, folder: Path, *queries: str) -> list[pa.Table]:
    """Run queries in order through ADBC, each answer streamed batch by batch into an Arrow
    file in `folder`; return the answers as tables memory-mapped from those files (so a
    ten-million-row extract is paged in as it is read, not held twice). The tables are valid
    while the files exist.

    SQLite is read from a child process: ADBC's driver carries its own copy of SQLite, and
    two copies in one process break each other's file locks (SQLite's "How to corrupt"
    §2.2.1) — the symptom is a reader that misses what the other copy just committed."""
    paths = [folder / f"{n}.arrow" for n in range(len(queries))]
    if source.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as driver

        for sql, path in zip(queries, paths, strict=True):
            _read_into(driver, source.target, sql, path)
    else:
        answer = subprocess.run(
            [sys.executable, "-m", "commonweal.analytics.extract", source.target, str(folder)],
            input=json.dumps(queries).encode(),
            capture_output=True,
            check=False,
        )
        if answer.returncode != 0:
            raise RuntimeError(f"reading {source.target} failed: {answer.stderr.decode()[-2000:]}")
    return [pa.ipc.open_file(pa.memory_map(str(path))).read_all() for path in paths]


def _read_into(driver: Any, target: str, sql: str, path: Path) -> None:
    with driver.connect(target) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        with pa.ipc.new_file(str(path), reader.schema) as out:
            for batch in reader:
                out.write_batch(batch)


def heads(table: pa.Table) -> dict[int, int]:
    """The answer of `heads_sql` as {jurisdiction pk: last sequence number}."""
    columns = table.to_pydict()
    return {
        int(pk): int(seq)
        for pk, seq in zip(columns["jurisdiction_id"], columns["sequence"], strict=True)
    }


def _main() -> None:
    """`python -m commonweal.analytics.extract FILE FOLDER`: run the JSON list of queries on
    stdin against the SQLite file through ADBC, each answer to FOLDER/<n>.arrow."""
    import adbc_driver_sqlite.dbapi as driver

    for number, sql in enumerate(json.loads(sys.stdin.read())):
        _read_into(driver, sys.argv[1], sql, Path(sys.argv[2]) / f"{number}.arrow")


if __name__ == "__main__":
    _main()
