"""The small core every task shares: weights and manifest, data files, compiled predictors,
training helpers, image decoding, chart helpers, timing and the Streamlit bridge.

Core knows no task: nothing here imports `cnnrnn.tasks`.
"""
