"""A real `streamlit run` of the dashboard and a browser waiting for its script: for the benchmark, the load test
and the browser tests.

`start_streamlit` starts the server on a free local port and polls `/_stcore/health` instead of sleeping.
`wait_rendered` (and its twin for Playwright's async API, `wait_rendered_async`) waits for a page's script
run to end. `locate` turns what a task's `checks` module declares of its page into a locator.
It imports Playwright inside its functions (as the audience benchmark does); the app never imports it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; Playwright's own download is not used

# The app root's data-test-script-state goes "initial", "running", then "notRunning" when a script run ends
# (Streamlit's status widget shows only after a delay, so it cannot tell). The waits are predicates checked
# inside the page every POLL_MS, not a loop of DevTools round trips from here.
SCRIPT_STATE = 'document.querySelector(\'[data-testid="stApp"]\')?.getAttribute("data-test-script-state")'
RUNNING = f"() => {SCRIPT_STATE} === 'running'"
NOT_RUNNING = f"() => {SCRIPT_STATE} === 'notRunning'"
POLL_MS = 25


def healthy(url: str, timeout: float) -> bool:
    """Whether the Streamlit server (or a balancer in front of replicas) at `url` says ok on /_stcore/health
    within `timeout` seconds, polled without sleeping long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(port: int, *options: str) -> list[str]:
    """`streamlit run streamlit_app.py` headless on 127.0.0.1:`port`, with further `options` (run in ROOT)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        *options,
    ]


def start_streamlit(timeout: float = 90.0, log=None, env: dict | None = None):
    """`streamlit run streamlit_app.py` on a free local port, returned once /_stcore/health says ok.

    Returns (process, url). log: a file for the server's output (discarded when None); env: variables
    set for the server on top of this process's (CNNRNN_WARM="1", say).
    Raises RuntimeError, with the server stopped, when it does not answer within `timeout` s.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    output, errors = (log, subprocess.STDOUT) if log is not None else (subprocess.DEVNULL, subprocess.DEVNULL)
    server = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=output,
        stderr=errors,
    )
    if healthy(url, timeout):
        return server, url
    server.terminate()
    server.wait(timeout=30)
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


def wait_rendered(page, timeout: float = 90.0, started_within: float = 0.0) -> None:
    """Block until the page (Playwright's sync API) has a heading and its script has run to its end.

    started_within: after an input (a click, keys), first wait up to this many seconds for the run it asked
    for to start (it may already have run, or none may come: then the wait for the end still holds).
    Raises Playwright's TimeoutError when the run has not ended within `timeout` s.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if started_within:
        try:
            page.wait_for_function(RUNNING, polling=POLL_MS, timeout=started_within * 1000)
        except PlaywrightTimeout:
            pass
    page.locator("h1").first.wait_for(timeout=timeout * 1000)
    page.wait_for_function(NOT_RUNNING, polling=POLL_MS, timeout=timeout * 1000)


async def wait_rendered_async(page, timeout: float = 90.0, started_within: float = 0.0) -> None:
    """`wait_rendered` for a page of Playwright's async API (the load test's many sessions)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    if started_within:
        try:
            await page.wait_for_function(RUNNING, polling=POLL_MS, timeout=started_within * 1000)
        except PlaywrightTimeout:
            pass
    await page.locator("h1").first.wait_for(timeout=timeout * 1000)
    await page.wait_for_function(NOT_RUNNING, polling=POLL_MS, timeout=timeout * 1000)


def locate(page, spec: dict):
    """A Playwright locator (of a sync or an async page: building one awaits nothing) from a declared spec.

    spec: {"css": selector}, {"role": role, "name": accessible name (exact)} or {"text": text on the page};
    optionally "has_text" (a substring), "pattern" (a regular expression) and "nth" (default 0, the first).
    """
    if "role" in spec:
        found = page.get_by_role(spec["role"], name=spec["name"], exact=True)
    elif "css" in spec:
        found = page.locator(spec["css"])
    else:
        found = page.get_by_text(spec["text"], exact=False)
    if "has_text" in spec:
        found = found.filter(has_text=spec["has_text"])
    if "pattern" in spec:
        found = found.filter(has_text=re.compile(spec["pattern"]))
    return found.nth(spec.get("nth", 0))
