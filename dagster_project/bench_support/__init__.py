"""Pieces of `make bench` (dagster_project.bench): the rateable bench data set and timing helpers."""
