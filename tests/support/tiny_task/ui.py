"""The tiny task's Streamlit side: one cached computation behind its button."""

from __future__ import annotations

import streamlit as st


@st.cache_data(show_spinner=False)
def doubled(number: float) -> float:
    return 2 * number
