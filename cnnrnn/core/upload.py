"""`Upload`: one input's bytes (or canvas array) with its sha256 digest, computed once per rerun.

A page wraps what a file uploader, a camera or a drawing canvas gave it in an `Upload` once per run;
the cached per-upload work (preparation, sweeps) takes the `Upload` and is keyed by its digest
(`HASH_FUNCS` for `st.cache_data`), so the bytes are hashed once per rerun, not once per cached call.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Upload:
    """data: the input as given (bytes, or an ndarray such as a canvas's RGBA); digest: its sha256 hex."""

    data: object
    digest: str

    @classmethod
    def of(cls, data) -> Upload:
        """Wrap bytes or an array (an `Upload` is returned as it is), hashing it once."""
        if isinstance(data, Upload):
            return data
        digest = hashlib.sha256()
        if isinstance(data, np.ndarray):
            digest.update(f"{data.dtype.str}{data.shape}".encode())
            digest.update(np.ascontiguousarray(data).tobytes())
        else:
            digest.update(b"bytes")
            digest.update(bytes(data))
        return cls(data, digest.hexdigest())

    def __eq__(self, other) -> bool:
        return isinstance(other, Upload) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


def upload_key(upload: Upload) -> str:
    """What `st.cache_data` hashes for an `Upload` argument: its digest (the bytes are not hashed again)."""
    return upload.digest


HASH_FUNCS = {Upload: upload_key}
