"""The Streamlit governance dashboard (pages arrive with the dashboard work)."""
