"""`python -m dagster_project.demo LANDING TRUTH [--customers N --months M --seed S --start YYYY-MM-DD]`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from dagster_project.demo.generator import generate


def main(
    landing_dir: Path,
    truth_dir: Path,
    customers: int = 200,
    months: int = 6,
    seed: int = 42,
    start: str = "2026-01-01",
) -> None:
    summary = generate(
        landing_dir, truth_dir, customers, months, seed, date.fromisoformat(start), progress=True
    )
    typer.echo(json.dumps({k: v for k, v in summary.items() if k != "files"}, indent=2))


if __name__ == "__main__":
    typer.run(main)
