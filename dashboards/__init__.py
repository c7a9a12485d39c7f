"""Streamlit pages over the read-only published warehouse (`streamlit run dashboards/app.py`)."""
