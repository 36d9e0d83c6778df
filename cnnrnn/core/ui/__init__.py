"""The Streamlit bridge of core, split by concern."""
