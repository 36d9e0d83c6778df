"""What the real-browser test modules share: the Chromium gate, the artifacts folder, waiting for a rerun.

`require_chromium()` is called at a module's top, before Playwright is imported: it skips the module
where no Chromium exists, unless CNNRNN_REQUIRE_BROWSER=1 (CI), where a missing Chromium is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnnrnn.browser import CHROMIUM, wait_rendered

# The browser tests' Chromium: no sandbox (root in CI), no GPU, and none of the background connections that this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"  # the README's pictures, retaken by every run of the browser suite


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CNNRNN_REQUIRE_BROWSER") == "1":
            raise RuntimeError("CNNRNN_REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed", allow_module_level=True)


def settle(page) -> None:
    """Wait until the script has finished its rerun (a stroke drawn during one can be lost)."""
    wait_rendered(page, started_within=3.0)  # the rerun a click asked for may not have started yet
    page.wait_for_timeout(500)  # the canvas component re-mounts after the script ends


def close_notice(page) -> None:
    """Close a dialog left over the page (the entry point closes Streamlit's cold-start "Page not found" box
    itself, a moment after the page renders; this does not wait for that)."""
    from playwright.sync_api import expect

    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0, timeout=10_000)
