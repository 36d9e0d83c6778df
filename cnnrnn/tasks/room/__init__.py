"""The audience room (`room` in the registry): phones send digits and sentences, the speaker's screen
compares the models.

It trains nothing: it uses the image task's and the sentiment task's shipped models (the registry's
`uses=("mnist", "sentiment")` declares the two imports). Modules: `limits` (codes, keys, rates: no
Streamlit, no SQL) -> `store` (all the SQL, on any SQLAlchemy engine) -> `verdicts` (the models'
verdicts and the room's summaries, pure) -> `charts` (Altair) -> `ui` (the page's bridge to Streamlit:
the `st.connection`, the shared predictors, the digit pipeline) and `cli` (the benchmark).
"""
