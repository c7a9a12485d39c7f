"""Wait until each URL answers HTTP 200 (used by `make run` before printing the URLs)."""

from __future__ import annotations

import sys
import time
import urllib.request


def wait(urls: list[str], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    pending = list(urls)
    while pending:
        url = pending[0]
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    pending.pop(0)
                    continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{url} did not answer HTTP 200 within {timeout_s:.0f}s; see data/run/*.log")
        time.sleep(1)


if __name__ == "__main__":
    wait(sys.argv[1:])
