"""The dashboard's entry point: Home, then one page per task from the registry (`cnnrnn.tasks`).

Renders without importing TensorFlow: the registry and the navigation import no task module.
"""

import streamlit as st

from cnnrnn.core import st as core_st
from cnnrnn.tasks import page_tasks

st.set_page_config(page_title="CNN vs RNN", page_icon=":material/compare:", layout="wide")
st.logo(str(core_st.ROOT / "cnnrnn" / "logo.svg"), size="large")
core_st.navigation(page_tasks()).run()
