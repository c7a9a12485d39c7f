"""Kept for importers: the writer resource lives in defs/common, shared by every room."""

from dagster_project.defs.common.resources import DuckDBWriter

__all__ = ["DuckDBWriter"]
