"""Deterministic demo company: landing files in the real export formats plus the truth of planted faults."""

from dagster_project.demo.generator import generate
from dagster_project.demo.stream import stream_events_parquet

__all__ = ["generate", "stream_events_parquet"]
