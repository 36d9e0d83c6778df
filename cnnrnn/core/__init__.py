"""The small core every task shares, each module named for what it holds.

task (the registry's record), weights (the manifest), data (data files), presets, cli (JSON lines),
charts (Altair helpers), images (safe decoding of uploads), upload, predictor (compiled single-item
predictors), inflight (predictions in flight), fitting (training helpers), jobs (the live-training pool),
warm (once-per-process loaders and the warm start), timing (measuring), streaming (paced text),
process (the server process's settings), and ui/ (the Streamlit bridge, split by concern).

Core knows no task: nothing here imports `cnnrnn.tasks`.
"""
