"""The Streamlit dashboard and its pages."""
