"""A real `streamlit run` of the dashboard for the benchmark and the browser tests: start it, wait for pages.

Starts the server on a free local port and polls `/_stcore/health` instead of sleeping.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_streamlit(timeout: float = 90.0, log=None, env: dict | None = None):
    """`streamlit run streamlit_app.py` on a free local port, returned once /_stcore/health says ok.

    Returns (process, url). log: a file for the server's output (discarded when None); env: variables
    set for the server on top of this process's (CNNRNN_WARM="1", say).
    Raises RuntimeError, with the server stopped, when it does not answer within `timeout` s.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    output = log if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server, url
        except OSError:
            time.sleep(0.05)
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


def wait_rendered(page, timeout: float = 90.0) -> None:
    """Block until the page's script has run to its end (models loaded, results drawn).

    The app root's data-test-script-state goes "initial", "running", then "notRunning";
    Streamlit's status widget shows only after a delay, so it cannot tell.
    """
    from playwright.sync_api import expect

    page.locator("h1").first.wait_for(timeout=timeout * 1000)
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state", "notRunning",
                                                                    timeout=timeout * 1000)
