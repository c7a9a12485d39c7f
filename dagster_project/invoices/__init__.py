"""Invoices as a customer sees them, read from the published warehouse (billing marts).

All figures come from dbt (pricing.md rules live there); this package only looks them up and
formats them: `show` for the terminal, `render_html` for a self-contained page.
"""

from dagster_project.invoices.document import InvoiceDocument, InvoiceNotFound, load_invoice
from dagster_project.invoices.render import render_html, show
from dagster_project.reference.currencies import format_money

__all__ = ["InvoiceDocument", "InvoiceNotFound", "format_money", "load_invoice", "render_html", "show"]
