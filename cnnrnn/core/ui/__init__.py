"""The Streamlit bridge of core, split by concern: app start-up, page parts, loaders, live runs, sharing.

The only part of core that imports Streamlit; it knows no task.
"""
