"""Money display for invoices: the house rule lives in reference.currencies."""

from dagster_project.reference.currencies import format_money

__all__ = ["format_money"]
