"""What every page shares: money display and the guards for missing or empty marts.

Money arrives as integer minor units plus a currency; it becomes a Decimal with the
currency's ISO 4217 exponent (from the reference module) and is formatted by babel. No
arithmetic is done on floats; charts get Decimals, which plotly only serialises for drawing.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from dagster_project.reference import currencies
from dagster_project.reference.currencies import to_major  # noqa: F401  (pages import it from here)
from dashboards import data

LOCALE = "en_US"
MINOR_SUFFIX = "_minor"
RIGHT = st.column_config.TextColumn(alignment="right")


def format_money(amount_minor: int | Decimal | None, currency: str | None) -> str:
    """Blank for a missing amount or currency; otherwise the house format (reference.currencies)."""
    if amount_minor is None or pd.isna(amount_minor) or not currency or pd.isna(currency):
        return ""
    return currencies.format_money(amount_minor, currency, locale=LOCALE)


def money_label(column: str) -> str:
    """`total_amount_minor` -> `total_amount`: the shown column holds major units."""
    return column[: -len(MINOR_SUFFIX)] if column.endswith(MINOR_SUFFIX) else column


def with_money(df: pd.DataFrame, currency_column: str = "currency") -> pd.DataFrame:
    """Every `*_minor` column formatted in its row's currency, renamed without the suffix."""
    if currency_column not in df.columns:
        return df
    out = df.copy()
    for col in [c for c in df.columns if c.endswith(MINOR_SUFFIX)]:
        out[col] = [format_money(v, c) for v, c in zip(df[col], df[currency_column], strict=True)]
    return out.rename(columns={c: money_label(c) for c in df.columns if c.endswith(MINOR_SUFFIX)})


# What a reader looks for first on an invoice line; the fee mart's other columns follow.
FEE_LEAD_COLUMNS = [
    "invoice",
    "fee_type",
    "description",
    "units",
    "currency",
    "amount_minor",
    "precise_coupon_share_minor",
    "precise_taxable_base_minor",
    "precise_tax_amount_minor",
    "service_start_date",
    "service_end_date",
]


def lead(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`df` with those of `columns` it has moved to the front, in that order."""
    first = [c for c in columns if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def table(df: pd.DataFrame, **kwargs) -> None:
    """A frame with its money formatted; amounts are text, so they are right-aligned by hand."""
    shown = with_money(df)
    money = [money_label(c) for c in df.columns if c.endswith(MINOR_SUFFIX)]
    config = {c: RIGHT for c in money if c in shown.columns}
    st.dataframe(shown, hide_index=True, column_config=config, **kwargs)


def available(table: str) -> bool:
    """Say so on the page, and return False, when a mart is missing or empty."""
    if data.missing_tables(table):
        st.warning(
            f"The published warehouse has no `{table}` table yet. Run `make run` "
            "(or `revhouse build`) once the models that build it exist."
        )
        return False
    if data.row_count(table) == 0:
        st.info(f"`{table}` is empty in the published warehouse: nothing to show yet.")
        return False
    return True


def require(*tables: str) -> None:
    """Stop the page when a mart it cannot do without is missing or empty."""
    if not all([available(t) for t in tables]):
        st.stop()


def build_caption() -> None:
    info = data.build_info()
    published = info.get("published_at")
    st.caption(
        f"Published build `{info.get('build_id')}`"
        + (f", published {published}" if published else "")
        + f" — `{data.published_path()}` (read-only)"
    )
