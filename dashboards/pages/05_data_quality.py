"""Ingestion health: what each source landed, which files failed, and why rows were quarantined."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

st.title("Data quality")
ui.build_caption()

st.subheader("Landing files per source")
if ui.available(data.LANDING_FILES):
    per_source = data.landing_files_by_source()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Files", f"{int(per_source['files'].sum()):,}", border=True)
    c2.metric("Failed files", f"{int(per_source['failed_files'].sum()):,}", border=True)
    c3.metric("Rows loaded", f"{int(per_source['rows_loaded'].sum()):,}", border=True)
    c4.metric("Rows quarantined", f"{int(per_source['rows_quarantined'].sum()):,}", border=True)
    ui.table(per_source, key="per_source")

    failed = data.failed_files()
    st.markdown("**Failed files**")
    if failed.empty:
        st.success("No file failed to load.")
    else:
        ui.table(failed, key="failed_files")

st.subheader("Quarantine")
if data.missing_tables(data.QUARANTINE):
    ui.available(data.QUARANTINE)
elif data.row_count(data.QUARANTINE) == 0:
    st.success("Nothing quarantined: every row read was loaded or recognised as a duplicate.")
else:
    st.markdown("**Top reasons**")
    ui.table(data.quarantine_reasons(), key="quarantine_reasons")
    st.markdown("**Rows** (latest 500)")
    ui.table(data.quarantine_rows(), key="quarantine_rows")
