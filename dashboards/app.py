"""Entry point: `streamlit run dashboards/app.py`. Registers the pages and refuses to run
them, with a message saying what to do, when there is no published warehouse yet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from dashboards import data

PAGES_DIR = Path(__file__).parent / "pages"

st.set_page_config(page_title="revhouse", page_icon=":material/receipt_long:", layout="wide")

page = st.navigation(
    [
        st.Page(
            PAGES_DIR / "01_overview.py",
            title="Overview",
            icon=":material/route:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            PAGES_DIR / "02_invoices.py", title="Invoices", icon=":material/receipt:", url_path="invoices"
        ),
        st.Page(
            PAGES_DIR / "03_revenue.py", title="Revenue", icon=":material/calendar_month:", url_path="revenue"
        ),
        st.Page(PAGES_DIR / "04_mrr.py", title="MRR", icon=":material/trending_up:", url_path="mrr"),
        st.Page(
            PAGES_DIR / "05_data_quality.py",
            title="Data quality",
            icon=":material/rule:",
            url_path="data-quality",
        ),
        st.Page(
            PAGES_DIR / "06_collections.py",
            title="Collections",
            icon=":material/account_balance_wallet:",
            url_path="collections",
        ),
        st.Page(
            PAGES_DIR / "07_retention.py",
            title="Retention",
            icon=":material/autorenew:",
            url_path="retention",
        ),
        st.Page(
            PAGES_DIR / "08_customers.py", title="Customers", icon=":material/groups:", url_path="customers"
        ),
        st.Page(
            PAGES_DIR / "09_review_queue.py",
            title="Review queue",
            icon=":material/fact_check:",
            url_path="review-queue",
        ),
        st.Page(
            PAGES_DIR / "10_leakage.py", title="Leakage", icon=":material/water_drop:", url_path="leakage"
        ),
        st.Page(
            PAGES_DIR / "11_cutover.py",
            title="Cutover readiness",
            icon=":material/compare_arrows:",
            url_path="cutover",
        ),
    ]
)

if not data.published_exists():
    st.title("revhouse")
    st.error(
        f"No published warehouse at `{data.published_path()}`.\n\n"
        "Run `make run` to generate the demo data, build every asset and publish the read-only copy "
        "these pages read (or point `REVHOUSE_PUBLISHED_PATH` at an existing copy)."
    )
    st.stop()

try:
    data.build_id()
except duckdb.Error as exc:
    st.title("revhouse")
    st.error(
        f"The published warehouse at `{data.published_path()}` cannot be read: {exc}\n\n"
        "Run `make run` to build and publish a fresh copy."
    )
    st.stop()

page.run()
