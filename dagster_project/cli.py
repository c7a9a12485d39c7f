"""`revhouse`: the command line. Thin: each command calls the same code the assets use."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from dagster_project.settings import Settings

app = typer.Typer(
    help="revhouse: revenue intelligence warehouse (rating and invoicing with Lago semantics, "
    "ASC 606, SaaS metrics).",
    no_args_is_help=True,
    add_completion=False,
)
invoice_app = typer.Typer(help="Look at invoices in the published warehouse.", no_args_is_help=True)
app.add_typer(invoice_app, name="invoice")
export_app = typer.Typer(help="Export from the published warehouse.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@app.command()
def generate(
    customers: Annotated[int, typer.Option(help="Number of demo customers.")] = 200,
    months: Annotated[int, typer.Option(help="Months of history.")] = 6,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 42,
    start: Annotated[str, typer.Option(help="First day of the demo history (YYYY-MM-DD).")] = "2026-01-01",
    force: Annotated[bool, typer.Option(help="Replace an existing landing folder.")] = False,
    parquet_events: Annotated[
        int,
        typer.Option(help="Instead of the demo company, stream this many usage events to Parquet (bench)."),
    ] = 0,
) -> None:
    """Write demo data in the real export formats to the landing folder (and its ground truth)."""
    from dagster_project.demo.generator import generate as run_generate
    from dagster_project.demo.stream import stream_events_parquet

    s = Settings.from_env()
    if parquet_events:
        out = s.data_dir / "bench" / f"events_{customers}c_{parquet_events}e_s{seed}"
        paths = stream_events_parquet(
            out, customers=customers, months=months, events=parquet_events, seed=seed
        )
        typer.echo(f"wrote {len(paths)} Parquet files to {out}")
        return
    if s.landing_dir.exists() and any(s.landing_dir.iterdir()) and not force:
        typer.echo(f"{s.landing_dir} already has files; keeping them (use --force to regenerate).")
        return
    if force:
        import shutil

        for d in (s.landing_dir, s.truth_dir):
            shutil.rmtree(d, ignore_errors=True)
    summary = run_generate(
        s.landing_dir,
        s.truth_dir,
        customers=customers,
        months=months,
        seed=seed,
        start=date.fromisoformat(start),
        progress=True,
    )
    typer.echo(
        f"demo data written to {s.landing_dir}: {len(summary['files'])} files, {summary['rows']} records, "
        f"{summary['customers']} customers, {summary['events']} events; planted faults in {s.truth_dir}"
    )


@app.command()
def ingest(
    path: Annotated[
        Path | None, typer.Argument(help="A file or folder under the landing dir; default: all.")
    ] = None,
) -> None:
    """Load new landing files into the raw tables; prints loaded, duplicates and quarantined per source."""
    from dagster_project.ingest.cli import run_ingest

    raise typer.Exit(run_ingest(path, progress=True))


@app.command()
def prepare() -> None:
    """Parse the dbt project (target/manifest.json) so the Dagster definitions can load."""
    from dagster_project.defs.dbt.project import prepare as run_prepare

    typer.echo(f"dbt manifest at {run_prepare()}")


ALLOW_EMPTY_HELP = (
    "Publish even if no landing file was ever loaded, replacing a published copy that has data."
)

FULL_REFRESH_HELP = (
    "Rebuild the incremental usage pre-aggregates (int_billing__usage_daily, "
    "int_billing__usage_daily_unique_values, int_billing__unbillable_events) from every loaded "
    "event (dbt --full-refresh) instead of appending new events. Nothing else changes: other "
    "models are rebuilt by every build, and the frozen invoice marts (fct_finalized_*) are never "
    "full-refreshed."
)


@app.command()
def build(
    unit_tests: Annotated[
        bool, typer.Option("--unit-tests", help="Also run the dbt unit tests (make test and CI do).")
    ] = False,
    allow_empty: Annotated[bool, typer.Option("--allow-empty", help=ALLOW_EMPTY_HELP)] = False,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help=FULL_REFRESH_HELP)] = False,
) -> None:
    """Materialise every asset (ingest, dbt build with data tests, publish) in one Dagster job run.

    One build at a time per warehouse: a second one says whom it waits for. A run left behind
    by a killed build is marked failed and its writer slot freed first."""
    from dagster_project.pipeline import materialize_all

    ok = materialize_all(unit_tests=unit_tests, allow_empty=allow_empty, full_refresh=full_refresh)
    raise typer.Exit(0 if ok else 1)


@app.command()
def publish(
    allow_empty: Annotated[bool, typer.Option("--allow-empty", help=ALLOW_EMPTY_HELP)] = False,
) -> None:
    """Copy the live warehouse to the read-only published path."""
    from dagster_project.warehouse import EmptyBuildError
    from dagster_project.warehouse import publish as run_publish

    try:
        meta = run_publish(
            Settings.from_env(), allow_empty=allow_empty, say=lambda m: typer.echo(m, err=True)
        )
    except EmptyBuildError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"published build {meta['build_id']}")


@app.command()
def bench() -> None:
    """Measure ingestion, rating and cash application speed against bare DuckDB on the same data
    (REVHOUSE_BENCH_PARTS=rating|cash runs one part)."""
    from dagster_project.bench import main as bench_main

    bench_main()


@app.command()
def fingerprint(
    compare: Annotated[
        Path | None,
        typer.Option(help="A JSON file written earlier by this command: exit 1 on any difference."),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="A DuckDB file; default: the published copy.")
    ] = None,
) -> None:
    """Print a hash of every mart table (wall-clock columns left out) as JSON; with --compare,
    say which tables differ. A refactor that must not change behaviour keeps these identical."""
    import json

    import duckdb

    from dagster_project.warehouse import marts_fingerprint

    path = warehouse or Settings.from_env().published_path
    con = duckdb.connect(str(path), read_only=True)
    try:
        now = marts_fingerprint(con)
    finally:
        con.close()
    if compare is None:
        typer.echo(json.dumps(now, indent=2, sort_keys=True))
        return
    before = json.loads(compare.read_text())
    changed = sorted(t for t in before.keys() | now.keys() if before.get(t) != now.get(t))
    for table in changed:
        typer.echo(f"differs: {table} (before {before.get(table)}, now {now.get(table)})")
    typer.echo(f"{len(now) - len(changed)} of {len(before.keys() | now.keys())} mart tables identical")
    raise typer.Exit(1 if changed else 0)


@app.command()
def paths() -> None:
    """Print where revhouse reads and writes (from env vars, with defaults)."""
    s = Settings.from_env()
    for name in ("landing_dir", "truth_dir", "duckdb_path", "published_path", "dbt_project_dir"):
        typer.echo(f"{name:16} {getattr(s, name)}")


def _open_published_for_report(format: str, formats: tuple[str, ...] = ("table", "csv")):
    """A read-only connection to the published copy for a report command, or exit 2 saying why."""
    from dagster_project.warehouse import connect_published

    if format not in formats:
        typer.echo(f"--format {format!r}: use {' or '.join(formats)}", err=True)
        raise typer.Exit(2)
    settings = Settings.from_env()
    if not settings.published_path.is_file():
        typer.echo(
            f"no published warehouse at {settings.published_path}: run `revhouse build` first", err=True
        )
        raise typer.Exit(2)
    return connect_published(settings)


def _month_option(text: str, option: str = "--month") -> date:
    """YYYY-MM as its first day, or exit 2 naming the option."""
    from dagster_project.metrics_report import parse_month

    try:
        return parse_month(text, option=option)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _echo_report(format: str, render_table, render_csv, report, notes: list[str]) -> None:
    """The report as a table on stdout, or as CSV with its notes on stderr."""
    if format == "csv":
        for note in notes:
            typer.echo(note, err=True)
        typer.echo(render_csv(report), nl=False)
    else:
        typer.echo(render_table(report), nl=False)


@app.command()
def collections(
    as_of: Annotated[str, typer.Option("--as-of", help="Date to report at (YYYY-MM-DD).")],
    entity: Annotated[str | None, typer.Option(help="Billing entity code; default: all.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 currency; default: each one.")] = None,
    format: Annotated[str, typer.Option("--format", help="table (rich) or csv.")] = "table",
) -> None:
    """Receivables aging by bucket per customer, entity and currency at DATE; DSO (simple and
    countback) per currency at the latest month end on or before it; unapplied cash at DATE; the
    dunning actions due that day. From the published warehouse; never summed across currencies."""
    from dagster_project.collections_report import load_report, render_csv, render_table

    try:
        day = date.fromisoformat(as_of)
    except ValueError as exc:
        typer.echo(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from exc
    con = _open_published_for_report(format)
    try:
        report = load_report(con, day, entity=entity, currency=currency.upper() if currency else None)
    finally:
        con.close()
    notes = [f"{section.name}: {note}" for section in report.sections for note in section.notes]
    _echo_report(format, render_table, render_csv, report, notes)


@app.command()
def metrics(
    month: Annotated[str, typer.Option("--month", help="Month to report (YYYY-MM).")],
    currency: Annotated[
        str | None, typer.Option(help="ISO 4217 currency (document or reporting); default: each one.")
    ] = None,
    entity: Annotated[str | None, typer.Option(help="Billing entity code; default: all.")] = None,
    format: Annotated[str, typer.Option("--format", help="table (rich) or csv.")] = "table",
) -> None:
    """The MRR bridge of MONTH (opening, movements, fx_impact in the reporting currency, closing)
    per currency and the headline rates (churn, NRR/GRR monthly and 12 months, ARPA, LTV, quick
    ratio, ARR, scheduled churn). From the published warehouse; never summed across currencies."""
    from dagster_project.metrics_report import load_report, render_csv, render_table

    first_day = _month_option(month)
    con = _open_published_for_report(format)
    try:
        report = load_report(con, first_day, currency=currency.upper() if currency else None, entity=entity)
    finally:
        con.close()
    _echo_report(format, render_table, render_csv, report, [f"metrics: {n}" for n in report.notes])


@app.command()
def reconcile(
    period: Annotated[str, typer.Option("--period", help="Service month of the parallel run (YYYY-MM).")],
    currency: Annotated[str | None, typer.Option(help="ISO 4217 currency; default: each one.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Unexplained differences to list.")] = 20,
    format: Annotated[str, typer.Option("--format", help="table (rich) or csv.")] = "table",
) -> None:
    """Shadow billing of a service month against the incumbent: lines and amount matched to the
    cent, explained and unexplained differences, the cutover-readiness verdict and its reason
    (per currency), then the unexplained differences to investigate, largest first. From the
    published warehouse. Exit 2 when the month has no parallel-run figures."""
    from dagster_project.reconcile_report import load_report, render_csv, render_table

    first_day = _month_option(period, "--period")
    con = _open_published_for_report(format)
    try:
        report = load_report(con, first_day, currency=currency.upper() if currency else None, top=top)
    finally:
        con.close()
    _echo_report(format, render_table, render_csv, report, [f"reconcile: {n}" for n in report.notes])
    if not report.summary:
        raise typer.Exit(2)


@app.command()
def review(
    severity: Annotated[str | None, typer.Option(help="high, medium or low; default: all.")] = None,
    reason: Annotated[
        str | None, typer.Option(help="Reason code (docs/assurance.md §3), e.g. usage_not_billed.")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="open, acknowledged, resolved or false_positive; default: all.")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Customer (external id); default: all.")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Service month (YYYY-MM).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Findings to list per currency.")] = 20,
    format: Annotated[str, typer.Option("--format", help="table (rich) or csv.")] = "table",
) -> None:
    """The assurance review queue: findings (customer, invoice or subscription, reason, severity,
    amount at risk, direction, status, explained_by, the reason in words), largest amount first
    within each currency; then the leakage by month and cause per currency with its
    reporting-currency amounts (cut by --month and --reason). From the published warehouse. Exit 2
    when the marts are not built or no finding matches."""
    from dagster_project.review_report import (
        SEVERITIES,
        STATUSES,
        ReviewFilter,
        check_choice,
        load_report,
        render_csv,
        render_table,
    )

    try:
        flt = ReviewFilter(
            severity=check_choice("--severity", severity, SEVERITIES),
            reason=reason.lower() if reason else None,
            status=check_choice("--status", status, STATUSES),
            customer=customer,
        )
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    flt.month = _month_option(month) if month else None
    con = _open_published_for_report(format)
    try:
        report = load_report(con, flt, top=top)
    finally:
        con.close()
    _echo_report(format, render_table, render_csv, report, [f"review: {n}" for n in report.notes])
    if not report.has_findings:
        raise typer.Exit(2)


@export_app.command("journals")
def export_journals(
    period: Annotated[str, typer.Option("--period", help="Accounting period (YYYY-MM).")],
    format: Annotated[
        str, typer.Option("--format", help="csv (every column of the lines) or erp (journal import).")
    ] = "csv",
    entity: Annotated[str | None, typer.Option(help="Billing entity code; default: all.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write; default: stdout.")] = None,
) -> None:
    """The journal lines of PERIOD (A11 entries, functional amounts, A12 rates) from the
    published warehouse: a generic CSV with every column of fct_journal_lines, or an ERP
    journal-import file (entry id, date, account code, debit, credit, currency, memo, external
    reference; exact decimal amounts). An unknown period lists the periods that exist (exit 2)."""
    from dagster_project.journal_export import FORMATS, ExportError, load_lines, render

    first_day = _month_option(period, "--period")
    con = _open_published_for_report(format, FORMATS)
    try:
        export = load_lines(con, first_day, entity=entity)
    except ExportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    finally:
        con.close()
    text = render(export, format)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {len(export.lines)} journal lines of {export.period} to {out}", err=True)


@invoice_app.command("show")
def invoice_show(
    number: Annotated[
        str,
        typer.Argument(help="Invoice number: the billing entity's prefix and a sequence, e.g. RHUS-000001."),
    ],
) -> None:
    """Print an invoice: lines, coupons, taxes, credits, totals."""
    from dagster_project.invoices import show
    from dagster_project.warehouse import connect_published

    con = connect_published(Settings.from_env())
    try:
        typer.echo(show(con, number))
    except LookupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    finally:
        con.close()


@invoice_app.command("render")
def invoice_render(
    number: Annotated[str, typer.Argument(help="Invoice number.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="HTML file; default <number>.html")] = None,
) -> None:
    """Write an invoice as a self-contained HTML page."""
    from dagster_project.invoices import render_html
    from dagster_project.warehouse import connect_published

    con = connect_published(Settings.from_env())
    try:
        html = render_html(con, number)
    except LookupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    finally:
        con.close()
    target = out or Path(f"{number}.html")
    target.write_text(html)
    typer.echo(f"wrote {target}")


def main() -> None:  # pragma: no cover - console entry
    os.environ.setdefault("DAGSTER_HOME", str(Settings.from_env().data_dir / "run" / "dagster_home"))
    app()
