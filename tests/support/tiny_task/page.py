"""The tiny task's page, as every page is made: the house header, then a number, a button, its double."""

import streamlit as st

from cnnrnn.core.ui.fair import fair_fight_panel
from cnnrnn.core.ui.page import page_header
from tiny_task import ui

page_header(
    "Tiny task: a number and its double",
    "A number in, its double out",
    "The tests' own task: it shows that a new page is covered by every test over the registry.",
)
number = st.number_input("A number", value=2.0, key="tiny_number")
if st.button("Double it", key="tiny_go"):
    st.session_state["tiny_result"] = ui.doubled(number)
st.metric("Double", st.session_state.get("tiny_result", ui.doubled(2.0)))
fair_fight_panel("tiny", ["double"])  # every page of trained models says how fair their comparison is
