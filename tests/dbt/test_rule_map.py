"""The rule map (dbt_project/models/overview.md, the front page of dbt docs) names, for every
section of pricing.md, the model or macro that implements it and the yml with its unit tests.
These tests keep it true: every name exists, every section has a row, and each row's unit-test
files really test one of the row's models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dagster_project.settings import REPO_ROOT

DBT = REPO_ROOT / "dbt_project"
RULE_MAP = DBT / "models" / "overview.md"
BILLING_INT = DBT / "models" / "intermediate" / "billing"


def _rows(book: str | None = None) -> list[tuple[str, str, list[str], list[str]]]:
    """Rows of the rule map; `book` "pricing", "collections" or "revenue" keeps that table's rows
    (the collections and revenue recognition tables sit under headings naming them)."""
    rows, current = [], "pricing"
    for line in RULE_MAP.read_text().splitlines():
        if line.startswith("## "):
            heading = line.lower()
            current = next((b for b in ("collections", "revenue") if b in heading), "pricing")
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("§") or book not in (None, current):
            continue
        section, rule, implemented, tests = cells
        rows.append((section, rule, re.findall(r"`([^`]+)`", implemented), re.findall(r"`([^`]+)`", tests)))
    return rows


def _model_names() -> set[str]:
    return {p.stem for p in (DBT / "models").rglob("*.sql")}


def _resolve_file(name: str) -> Path | None:
    """A path relative to dbt_project/ or the repo, else a bare file name found in exactly one
    sub-domain folder of models/intermediate/billing/ (an ambiguous name resolves to nothing)."""
    for base in (DBT, REPO_ROOT):
        if (base / name).is_file():
            return base / name
    if "/" in name:
        return None
    found = [p for p in BILLING_INT.rglob(name) if p.is_file()]
    return found[0] if len(found) == 1 else None


def _unit_tested_models(yml: Path) -> set[str]:
    doc = yaml.safe_load(yml.read_text()) or {}
    return {t["model"] for t in doc.get("unit_tests", [])}


def test_every_pricing_section_has_a_row():
    pricing_sections = {f"§{n}" for n in range(0, 9)}
    mapped = {section.split(".")[0] for section, *_ in _rows("pricing")}
    assert pricing_sections <= mapped, f"sections without a row: {sorted(pricing_sections - mapped)}"


def test_every_collections_section_has_a_row():
    """collections.md §1-§7 (the rules; §8 is landing, §9 edge cases tested with their rules)."""
    mapped = {f"§{n}" for section, *_ in _rows("collections") for n in re.findall(r"§(\d+)", section)}
    wanted = {f"§{n}" for n in range(1, 8)}
    assert wanted <= mapped, f"collections sections without a row: {sorted(wanted - mapped)}"


def test_every_revenue_recognition_section_has_a_row():
    """metrics-and-revrec.md Part A, A1-A12."""
    mapped = {section for section, *_ in _rows("revenue")}
    wanted = {f"§A{n}" for n in range(1, 13)}
    assert wanted <= mapped, f"revrec sections without a row: {sorted(wanted - mapped)}"


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r[0]} {r[1][:40]}")
def test_every_named_model_macro_and_file_exists(row):
    section, rule, implemented, tests = row
    models = _model_names()
    macros = "\n".join(p.read_text() for p in (DBT / "macros").rglob("*.sql"))
    for name in implemented + tests:
        if name.endswith((".sql", ".yml", ".py", ".csv")):
            assert _resolve_file(name) is not None, f"{section}: no file {name}"
        elif name in models or name.startswith(("int_", "stg_", "fct_", "dim_")):
            assert name in models, f"{section}: no model {name}"
        elif name.startswith("iso_"):
            assert (DBT / "seeds" / f"{name}.csv").is_file(), f"{section}: no seed {name}"
        else:
            assert re.search(rf"{{%-?\s*macro\s+{re.escape(name)}\s*\(", macros), (
                f"{section}: no macro {name}"
            )


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r[0]} {r[1][:40]}")
def test_unit_test_files_test_a_model_of_the_row(row):
    section, rule, implemented, tests = row
    ymls = [_resolve_file(t) for t in tests if t.endswith(".yml")]
    if not ymls:
        return  # the row's tests are singular tests or pytest files, checked to exist above
    row_models = {n for n in implemented if n in _model_names()}
    macro_files = [n for n in implemented if n.endswith(".sql")]
    tested = set().union(*(_unit_tested_models(y) for y in ymls))
    if row_models:
        assert tested & row_models, f"{section} {rule}: {tests} test none of {sorted(row_models)}"
    else:
        assert tested and macro_files, f"{section} {rule}: no unit tests for a macro-only rule"
