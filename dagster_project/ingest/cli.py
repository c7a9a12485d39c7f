"""`revhouse ingest [PATH]`: the same runner the Dagster assets call, with a printed summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from dagster_project.ingest.runner import IngestSummary, ingest_landing, top_reasons
from dagster_project.settings import Settings
from dagster_project.warehouse import build_lock, connect_writer


def _scope(path: Path | None, landing_dir: Path) -> tuple[Path, Path | None]:
    """PATH inside the landing dir narrows the run to it; any other folder is a landing root itself."""
    if path is None:
        return landing_dir, None
    path = path.expanduser().resolve()
    if path == landing_dir or landing_dir in path.parents:
        return landing_dir, path
    if path.is_file():
        raise ValueError(f"{path} is a file outside the landing folder {landing_dir}")
    return path, None


def render_summary(summary: IngestSummary, reasons: list[tuple[str, str, int]], console: Console) -> None:
    table = Table(title="Ingestion summary")
    for column in ("source", "files", "unchanged", "loaded", "duplicates", "quarantined", "failed files"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source, t in summary.by_source().items():
        table.add_row(
            source,
            *(str(t[k]) for k in ("files", "unchanged", "loaded", "duplicates", "quarantined", "failed")),
        )
    console.print(table)
    for f in summary.failed:
        console.print(f"[red]unreadable:[/red] {f.error}")
    if reasons:
        top = Table(title="Top quarantine reasons (this run)")
        top.add_column("source")
        top.add_column("reason")
        top.add_column("rows", justify="right")
        for source, reason, n in reasons:
            top.add_row(source, reason, str(n))
        console.print(top)


def run_ingest(path: Path | None, progress: bool) -> int:
    """Ingest the landing folder (or the part of it at PATH) and print counts; returns the exit code.

    Unreadable files do not make the command fail: they are quarantined and listed, as the landing
    contract asks; only an error of the run itself (e.g. the warehouse is locked) does.
    """
    console = Console()
    settings = Settings.from_env()
    try:
        root, only = _scope(path, settings.landing_dir)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if not root.is_dir():
        console.print(f"[red]no landing folder at {root}[/red]")
        return 2
    # a whole build's lock, so this never loads raw rows between a build's dbt and its publish
    with (
        build_lock(settings, say=lambda line: console.print(line, soft_wrap=True, markup=False)),
        connect_writer(settings) as con,
    ):
        summary = ingest_landing(con, root, only=only, progress=progress)
        reasons = top_reasons(con, limit=10, file_sha256=[f.sha256 for f in summary.processed()])
    render_summary(summary, reasons, console)
    return 0
