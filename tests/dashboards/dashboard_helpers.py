"""Running the app's pages under AppTest and reading what they show."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.ingest.schema import create_raw_tables
from dagster_project.settings import REPO_ROOT

APP = REPO_ROOT / "dashboards" / "app.py"
PAGES = {
    "overview": "pages/01_overview.py",
    "invoices": "pages/02_invoices.py",
    "revenue": "pages/03_revenue.py",
    "mrr": "pages/04_mrr.py",
    "data-quality": "pages/05_data_quality.py",
    "collections": "pages/06_collections.py",
    "retention": "pages/07_retention.py",
    "customers": "pages/08_customers.py",
    "review-queue": "pages/09_review_queue.py",
    "leakage": "pages/10_leakage.py",
    "cutover": "pages/11_cutover.py",
}
# The first run imports pandas, plotly and babel; generous so a slow CI box does not flake.
APP_TIMEOUT_S = 90


def run_page(page: str) -> AppTest:
    """The app started as a browser would, then switched to `page` (a key of PAGES)."""
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT_S).run()
    if page != "overview":
        at.switch_page(PAGES[page]).run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    """Every warning, info, error and success message shown, for 'the page said so' checks."""
    return "\n".join(e.value for kind in (at.warning, at.info, at.error, at.success) for e in kind)


def assert_ran(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def chart_traces(at: AppTest, key: str) -> list[dict]:
    """The traces of the plotly chart the page drew under `key`, as sent to the browser."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)["data"]


def charted(at: AppTest, key: str, trace: str | None = None) -> dict[str, str]:
    """x -> the text (money or percent as shown) of one trace (the first when unnamed)."""
    data = chart_traces(at, key)
    found = data[0] if trace is None else next(t for t in data if t.get("name") == trace)
    return dict(zip(found["x"], found["text"], strict=True))


def published_copy(path: Path, *statements: str) -> Path:
    """A hand-made published copy at `path`: the raw tables plus `statements`."""
    con = duckdb.connect(str(path))
    create_raw_tables(con)
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


def publish_raw_tables_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *statements: str) -> None:
    """Point the app at a published copy from before the marts existed: the raw tables only,
    plus `statements` (e.g. an empty mart)."""
    monkeypatch.setenv(
        "REVHOUSE_PUBLISHED_PATH", str(published_copy(tmp_path / "published.duckdb", *statements))
    )


def table_statements(
    tables: dict[str, tuple[str, list[tuple]]], skip: tuple[str, ...] = (), empty: tuple[str, ...] = ()
) -> list[str]:
    """DDL and inserts for a hand-made published copy: `tables` maps schema.table to (column
    definitions, rows); the tables in `skip` are left out, those in `empty` get no rows."""
    out = [f"create schema if not exists {s}" for s in sorted({name.split(".")[0] for name in tables})]
    for name, (columns, rows) in tables.items():
        if name in skip:
            continue
        out.append(f"create table {name} ({columns})")
        for row in [] if name in empty else rows:
            values = ", ".join(
                "null" if v is None else repr(v) if isinstance(v, str) else str(v) for v in row
            )
            out.append(f"insert into {name} values ({values})")
    return out
