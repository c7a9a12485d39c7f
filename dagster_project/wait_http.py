"""Wait until each URL answers HTTP 200, or check ports are free (used by `make run`)."""

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


def ensure_free(ports: list[int]) -> None:
    """Refuse to start a server on a port something else answers on, rather than report the
    other process's URL as ours."""
    import socket

    for port in ports:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(
                    f"port {port} is already in use (an earlier `make run` not stopped with `make stop`?)"
                )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--free"]:
        ensure_free([int(p) for p in sys.argv[2:]])
    else:
        wait(sys.argv[1:])
