"""Debian's chromium driven by Playwright: for the page test and the README screenshot (no downloaded browsers)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Playwright, ViewportSize

CHROMIUM_ENV = "PLAYGROUND_CHROMIUM"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def find_chromium() -> Path | None:
    """$PLAYGROUND_CHROMIUM, Debian's chromium, or a `chromium` on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    candidates = [configured] if configured else [*CHROMIUM_CANDIDATES, shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


async def launch(playwright: Playwright, executable: Path, user_data_dir: Path) -> BrowserContext:
    """A fresh headless chromium profile in `user_data_dir` (nothing shared with any other run)."""
    return await playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(executable),
        args=list(CHROMIUM_ARGS),
        headless=True,
        viewport=VIEWPORT,
        locale="en-US",
    )
