"""The dbt source ymls are generated from the raw schema, one per source system."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from dagster_project.ingest import schema
from dagster_project.ingest.schema import RAW_SCHEMA, TABLES, dbt_source_of, table_columns
from dagster_project.ingest.schema_to_dbt import HEADER, STAGING_DIR, main, render_all

MODELS_DIR = STAGING_DIR.parent


def _declared_sources() -> list[tuple[str, dict, str]]:
    """(source name, source block, yml path) of every dbt source over raw tables declared under
    models/. The hand-written sources `frozen_state` and `frozen_revrec_state` are the billing and
    revrec frozen marts read back by invoice assembly and the postings of closed periods
    (macros/invoicing/frozen_state.sql), not landed systems; `ml` is the anomaly scores the ML
    asset writes (dagster_project/defs/ml/)."""
    found = []
    for path in sorted(MODELS_DIR.rglob("*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        if any(
            s.get("name") in ("frozen_state", "frozen_revrec_state", "ml") for s in doc.get("sources") or []
        ):
            assert not path.read_text().startswith(HEADER)
            continue
        for source in doc.get("sources") or []:
            found.append((source["name"], source, str(path.relative_to(MODELS_DIR))))
    return found


def test_committed_sources_ymls_are_what_the_generator_writes():
    expected = render_all()
    for path, text in expected.items():
        assert path.exists(), f"{path} is missing: run python -m dagster_project.ingest.schema_to_dbt"
        assert path.read_text() == text, (
            f"{path} is stale: run python -m dagster_project.ingest.schema_to_dbt"
        )
    # no generated file left behind by a renamed or removed source system
    generated = {p for p in STAGING_DIR.rglob("_*__sources.yml") if p.read_text().startswith(HEADER)}
    assert generated == set(expected)


def test_regenerating_writes_the_same_files(tmp_path):
    main(tmp_path)
    written = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*.yml")}
    committed = {p.relative_to(STAGING_DIR): p.read_text() for p in render_all()}
    assert written == {rel: (STAGING_DIR / rel).read_text() for rel in committed}


def test_every_raw_table_is_declared_exactly_once_in_schema_raw():
    declared = Counter()
    for name, source, path in _declared_sources():
        assert source["schema"] == RAW_SCHEMA, f"source {name} ({path}) is not in schema {RAW_SCHEMA}"
        for table in source["tables"]:
            declared[table["name"]] += 1
            assert [(c["name"], c["data_type"]) for c in table["columns"]] == table_columns(table["name"])
    assert set(declared) == set(TABLES), "declared tables differ from schema.TABLES"
    assert [t for t, n in declared.items() if n != 1] == []


def test_one_source_per_system_each_beside_its_staging_folder():
    sources = _declared_sources()
    names = [name for name, _, _ in sources]
    assert len(names) == len(set(names)), f"a dbt source is declared twice: {names}"
    for name, _, path in sources:
        assert path == f"staging/{schema.DBT_SOURCES[name][1]}/_{name}__sources.yml"
    assert dbt_source_of("payment_transactions") == "payments"
    assert dbt_source_of("lago_add_ons") == "lago"
    assert dbt_source_of("fx_rates") == "ecb"
    assert dbt_source_of("quarantine") == "ingestion"


def test_a_table_of_no_system_fails_the_generator():
    with pytest.raises(ValueError, match="belongs to 0 dbt sources"):
        dbt_source_of("hubspot_deals")
