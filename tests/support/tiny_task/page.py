"""The tiny task's page: a number, a button, its double."""

import streamlit as st

from tiny_task import ui

st.title("Tiny task: a number and its double")
number = st.number_input("A number", value=2.0, key="tiny_number")
if st.button("Double it", key="tiny_go"):
    st.session_state["tiny_result"] = ui.doubled(number)
st.metric("Double", st.session_state.get("tiny_result", ui.doubled(2.0)))
