"""Streamed text paced for the browser: pieces joined into chunks of about 50 ms (for `st.write_stream`)."""

from __future__ import annotations

import time

STREAM_CHUNK_SECONDS = 0.05  # text a stream sends the browser at once: about this long of generation


def paced(pieces, every: float = STREAM_CHUNK_SECONDS, clock=time.perf_counter):
    """Join an iterable of text pieces into chunks of about `every` seconds of it (for st.write_stream).

    The first piece goes at once; later pieces are joined until `every` seconds passed since the last
    chunk went out, and what is left goes at the end. Streamlit sends the whole text so far with every
    chunk and the browser redraws it, so chunks of ~50 ms keep a fast model's stream at the model's
    speed where one message per few characters would make the browser the bottleneck.
    """
    held, last = [], None
    for piece in pieces:
        if not piece:
            continue
        held.append(piece)
        now = clock()
        if last is None or now - last >= every:
            yield "".join(held)
            held, last = [], now
    if held:
        yield "".join(held)
