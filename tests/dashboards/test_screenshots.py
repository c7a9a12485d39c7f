"""A real browser renders every page: headless Chromium against `streamlit run`, one PNG per
page in test-artifacts/screenshots/ for a person to look at.

Chromium's own `--screenshot` fires after a virtual-time budget, but Streamlit draws the page
from websocket messages that arrive in real time, so the shot often caught a half-drawn page.
Chromium is therefore driven over the DevTools protocol (same flags), and each shot is taken
once the app reports its script run finished (`window.prerenderReady` and the
`data-test-script-state` attribute Streamlit's own browser tests wait on).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from websockets.sync.client import connect

from dagster_project.settings import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# url path -> (file name, plotly charts drawn at least); "" is the default page (Overview).
# The chart count matters: plotly's script loads lazily and draws after the run has ended.
PAGE_URLS = {
    "": ("01_overview", 0),
    "invoices": ("02_invoices", 0),
    "revenue": ("03_revenue", None),  # 1 once something is posted: _revenue_charts
    "mrr": ("04_mrr", 3),
    "data-quality": ("05_data_quality", 0),
    "collections": ("06_collections", 1),
    "retention": ("07_retention", 3),
    "customers": ("08_customers", 2),
    # the assurance pages chart only what the marts hold; their drawn figures are checked on the
    # hand-worked book (test_assurance_charts_drawn_in_chromium_are_the_marts)
    "review-queue": ("09_review_queue", 0),
    "leakage": ("10_leakage", 0),
    "cutover": ("11_cutover", 0),
}
# A blank page has one colour and Streamlit's empty shell about ten; anything drawn (text is
# anti-aliased) has hundreds. Whether the page finished is judged by the script state below.
MIN_COLOURS = 256
START_S = 90
PAGE_S = 60
# fonts and the last layout pass after everything reported ready
SETTLE_S = 1.0
PAGE_STATE_JS = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return JSON.stringify({
    done: window.prerenderReady === true && !!app && app.dataset.testScriptState === 'notRunning',
    charts: document.querySelectorAll('.js-plotly-plot .main-svg').length,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText),
  });
})()"""
# One trace of a chart as the browser drew it: x -> its text (money as shown), by trace name.
TRACE_TEXT_JS = """(() => {
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const trace = (plot.data || []).find(t => t.name === %s);
    if (trace) return JSON.stringify(Object.fromEntries(trace.x.map((x, i) => [x, trace.text[i]])));
  }
  return 'null';
})()"""

pytestmark = pytest.mark.browser


def _chromium() -> str:
    path = shutil.which(CHROMIUM) or shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"chromium not found at {CHROMIUM} and CI is set: install Debian's `chromium` package")
    pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, what: str, log: Path) -> bytes:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return r.read()
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} did not answer {url} within {START_S}s:\n{log.read_text()[-3000:]}")


def _start(cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with log.open("w") as fh:
        return subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class DevTools:
    """The few DevTools protocol calls a screenshot needs, over one page's websocket."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=PAGE_S))
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def screenshot(self, url: str, out: Path, charts: int = 0) -> list[str]:
        """Load `url`, wait until Streamlit finished the run, write a PNG; returns exceptions shown."""
        self.call("Page.navigate", url=url)
        time.sleep(0.5)  # let the old document go before asking the new one
        deadline = time.monotonic() + PAGE_S
        while True:
            result = self.call("Runtime.evaluate", expression=PAGE_STATE_JS, returnByValue=True)
            state = json.loads(result["result"].get("value") or "{}")
            if state.get("done") and state["charts"] >= charts:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not finish drawing within {PAGE_S}s (last state {state})")
            time.sleep(0.25)
        time.sleep(SETTLE_S)
        shot = self.call("Page.captureScreenshot", format="png")
        out.write_bytes(base64.b64decode(shot["data"]))
        return state["exceptions"]


def _colours(png: Path) -> int:
    with Image.open(png) as img:
        img.verify()
    with Image.open(png) as img:
        return len(img.convert("RGB").getcolors(maxcolors=1 << 24))


def _assert_charted_90_plus_is_the_marts(page: DevTools, published_path: Path) -> None:
    """The 90+ bar at the latest date of the page's default currency (the first), as drawn,
    equals fct_receivables_aging summed over entities for that currency and date."""
    from dashboards.ui import format_money

    rows = _published_rows(
        published_path,
        "with latest as (select currency, max(report_date) d from collections.fct_receivables_aging group by 1 "
        "order by 1 limit 1) select a.currency, a.report_date, sum(a.days_over_90_amount_minor) "
        "from collections.fct_receivables_aging a join latest on a.currency = latest.currency "
        "and a.report_date = latest.d group by all",
    )
    if rows is None:
        return  # no aging mart: the page says so instead (test_collections_page)
    ((currency, day, over_90),) = rows
    drawn = _drawn_trace(page, "90+")
    assert drawn is not None, "the Collections page drew no 90+ bars"
    assert drawn[f"{day:%Y-%m-%d}"] == format_money(over_90, currency)


def _published_rows(published_path: Path, sql: str) -> list[tuple] | None:
    """The rows of `sql` on the published copy; None when a mart it reads is not built."""
    con = duckdb.connect(str(published_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def _drawn_trace(page: DevTools, name: str) -> dict | None:
    result = page.call("Runtime.evaluate", expression=TRACE_TEXT_JS % json.dumps(name), returnByValue=True)
    return json.loads(result["result"].get("value") or "null")


REVENUE_CHARTED_SQL = """
    with as_of as (
        select max(report_date) d from intermediate.int_collections__report_dates where is_as_of_date
    ),
    first_currency as (
        select min(currency) c from (
            select currency from intermediate.int_revrec__postings
            union select currency from revrec.fct_contract_balances
        )
    )
    select p.currency, p.posting_period,
           sum(coalesce(p.recognized_delta_minor, 0) - coalesce(p.contra_delta_minor, 0))
    from intermediate.int_revrec__postings p, as_of, first_currency
    where p.currency = first_currency.c and p.posting_date <= as_of.d
    group by all
    order by p.posting_period desc
    limit 1
"""


def _revenue_charts(published_path: Path) -> int:
    """The Revenue page draws its month chart only when something is posted."""
    rows = _published_rows(published_path, "select count(*) from intermediate.int_revrec__postings")
    return 1 if rows and rows[0][0] else 0


def _assert_drawn_recognised_is_the_postings(page: DevTools, published_path: Path) -> None:
    """The Revenue page opens on its first currency and all entities: the Recognised bar of the
    latest posted month as drawn equals the postings up to the as-of date, net of contra revenue."""
    from dashboards.ui import format_money

    rows = _published_rows(published_path, REVENUE_CHARTED_SQL)
    if not rows:
        return  # no postings: the page says so instead (test_revenue_page)
    ((currency, period, recognised),) = rows
    drawn = _drawn_trace(page, "Recognised")
    assert drawn is not None, "the Revenue page drew no Recognised bars"
    assert drawn[period] == format_money(recognised, currency)


def _assert_drawn_closing_mrr_is_the_marts(page: DevTools, published_path: Path) -> None:
    """The MRR page opens on the first currency of its picker (the reporting one) and the
    latest month: the waterfall's closing bar as drawn equals fct_mrr_bridge for them."""
    from dashboards.ui import format_money

    rows = _published_rows(
        published_path,
        "with first as (select currency_basis, currency from metrics.fct_mrr_bridge "
        "order by currency_basis desc, currency limit 1) "
        "select b.currency, sum(b.closing_mrr_minor) from metrics.fct_mrr_bridge b "
        "join first using (currency_basis, currency) where b.segment_type = 'all' "
        "and b.month = (select max(month) from metrics.fct_mrr_bridge) group by b.currency",
    )
    if rows is None:
        return  # no bridge mart: the page says so instead (test_metrics_pages)
    ((currency, closing),) = rows
    drawn = _drawn_trace(page, "bridge")
    assert drawn is not None, "the MRR page drew no bridge"
    assert drawn["closing"] == format_money(closing, currency)


@contextmanager
def _app_in_chromium(published_path: Path, tmp_path: Path) -> Iterator[tuple[DevTools, str]]:
    """`streamlit run` on `published_path` and a headless Chromium on it: (the page, the app's URL)."""
    chromium = _chromium()
    app_port, devtools_port = _free_port(), _free_port()
    app_log, browser_log = tmp_path / "streamlit.log", tmp_path / "chromium.log"
    server = _start(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(app_port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        app_log,
        env={**os.environ, "REVHOUSE_PUBLISHED_PATH": str(published_path)},
    )  # fmt: skip
    browser = None
    try:
        base = f"http://127.0.0.1:{app_port}"
        # /healthz is answered by the single-page shell whatever the state; this one says "ok"
        _wait_http(f"{base}/_stcore/health", server, "streamlit", app_log)
        browser = _start(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
             f"--remote-debugging-port={devtools_port}", "about:blank"],
            browser_log,
        )  # fmt: skip
        targets = json.loads(
            _wait_http(f"http://127.0.0.1:{devtools_port}/json/list", browser, "chromium", browser_log)
        )
        ws_url = next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]
        with connect(ws_url, max_size=None, open_timeout=30) as ws:
            page = DevTools(ws)
            # the first load after start imports the app's libraries; not judged
            page.screenshot(f"{base}/", tmp_path / "warmup.png")
            yield page, base
        assert "Traceback" not in app_log.read_text(), app_log.read_text()[-3000:]
    finally:
        if browser is not None:
            _stop(browser)
        _stop(server)


def test_every_page_renders_in_chromium(published_path, tmp_path):
    with _app_in_chromium(published_path, tmp_path) as (page, base):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for url_path, (name, charts) in PAGE_URLS.items():
            charts = _revenue_charts(published_path) if charts is None else charts
            out = SCREENSHOTS / f"{name}.png"
            out.unlink(missing_ok=True)
            exceptions = page.screenshot(f"{base}/{url_path}", out, charts)
            assert not exceptions, f"/{url_path} shows an exception: {exceptions}"
            assert out.is_file(), f"no screenshot for /{url_path}"
            colours = _colours(out)
            assert colours >= MIN_COLOURS, f"/{url_path} looks blank ({colours} colours); see {out}"
            if url_path == "collections":
                _assert_charted_90_plus_is_the_marts(page, published_path)
            if url_path == "revenue":
                _assert_drawn_recognised_is_the_postings(page, published_path)
            if url_path == "mrr":
                _assert_drawn_closing_mrr_is_the_marts(page, published_path)


def test_revenue_chart_drawn_in_chromium_is_the_hand_worked_book(tmp_path):
    """On the hand-worked book of revrec_fixture.py (whatever the demo holds): the page opens on
    EUR, all entities; its Recognised bar for 2026-02 as the browser drew it is the postings up
    to the as-of date, and the same query the demo check uses finds that figure."""
    import revrec_fixture as book
    from dashboard_helpers import published_copy

    from dashboards.ui import format_money

    published = published_copy(tmp_path / "book.duckdb", *book.statements())
    assert _published_rows(published, REVENUE_CHARTED_SQL) == [("EUR", "2026-02", 16071)]
    with _app_in_chromium(published, tmp_path) as (page, base):
        out = tmp_path / "revenue.png"
        assert not page.screenshot(f"{base}/revenue", out, 1)
        assert _drawn_trace(page, "Recognised") == {"2026-02": format_money(16071, "EUR")}
        _assert_drawn_recognised_is_the_postings(page, published)


def test_every_registered_page_is_screenshot():
    """A page added to app.py without an entry above would never be rendered in a browser."""
    import re

    registered = set(re.findall(r'url_path="([^"]+)"', (REPO_ROOT / "dashboards" / "app.py").read_text()))
    assert registered - {"overview"} == set(PAGE_URLS) - {""}


# (url path, trace name, SQL on the published copy giving (x, amount_minor, currency) per bar or
# point of that trace as the page opens: its first currency, no filter)
ASSURANCE_CHARTS = {
    "review-queue": (
        "At risk",
        "with first as (select min(currency) c from assurance.fct_assurance_review_queue) "
        "select reason_code, sum(amount_at_risk_minor), currency from assurance.fct_assurance_review_queue, first "
        "where currency = first.c and status not in ('resolved', 'false_positive') and explained_by is null "
        "group by reason_code, currency",
    ),
    "leakage": (
        "usage_not_billed",
        "select strftime(period_month, '%Y-%m'), sum(leaked_reporting_minor), reporting_currency "
        "from assurance.fct_assurance_leakage where reason_code = 'usage_not_billed' group by all",
    ),
    "cutover": (
        "Unexplained difference",
        "with first as (select min(currency) c from assurance.fct_parallel_run_summary) "
        "select strftime(service_month, '%Y-%m'), unexplained_difference_minor, currency "
        "from assurance.fct_parallel_run_summary, first where currency = first.c",
    ),
}


def test_assurance_charts_drawn_in_chromium_are_the_marts(tmp_path):
    """On the hand-worked assurance book (assurance_fixture.py): each page as the browser drew it
    opens on its first currency, and one charted figure per page equals SQL on the marts."""
    import assurance_fixture as book
    from dashboard_helpers import published_copy

    from dashboards.data import reason_words
    from dashboards.ui import format_money

    # not assurance.duckdb: a file named like a schema makes DuckDB's names ambiguous
    published = published_copy(tmp_path / "assurance_book.duckdb", *book.statements())
    with _app_in_chromium(published, tmp_path) as (page, base):
        for url_path, (trace, sql) in ASSURANCE_CHARTS.items():
            assert not page.screenshot(f"{base}/{url_path}", tmp_path / f"{url_path}.png", 1)
            name = reason_words(trace) if url_path == "leakage" else trace
            expected = {
                (reason_words(x) if url_path == "review-queue" else x): format_money(amount, currency)
                for x, amount, currency in _published_rows(published, sql)
            }
            assert expected, f"the book has no figure for /{url_path}"
            assert _drawn_trace(page, name) == expected, url_path
