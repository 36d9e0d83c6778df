"""Where data files come from: the folder in CNNRNN_DATA_DIR, else a download into the Keras cache.

Also the sha256 that identifies a data file in the manifest. No TensorFlow at import.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path


def data_dir() -> Path | None:
    """The directory named by CNNRNN_DATA_DIR, or None when unset or empty."""
    value = os.environ.get("CNNRNN_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(what: str, fetch):
    """fetch() (a keras download), with any failure turned into one FileNotFoundError line.

    keras.utils.get_file raises a bare Exception when offline; the command line and
    the pages show FileNotFoundError as a one-line message. Keras's progress lines go
    to stderr, so the command line's standard output stays JSON.
    """
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keras announces downloads on stdout: keep JSON output clean
            return fetch()
    except Exception as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:160]
        raise FileNotFoundError(
            f"{what} is not in the Keras cache and could not be downloaded ({reason}); "
            "set CNNRNN_DATA_DIR to the data mirror"
        ) from None
