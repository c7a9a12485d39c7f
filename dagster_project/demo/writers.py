"""Byte-stable writers: fixed key order (insertion order), '\n' line ends, no wall-clock anything."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_json(path: Path, obj, indent: int | None = 2) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, ensure_ascii=False, indent=indent) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return 1


def write_lines(path: Path, lines: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
    return len(lines)


def write_csv(path: Path, header: list[str], rows: list[list], trailing_comma: bool = False) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        if trailing_comma:
            # ECB's eurofxref-hist.csv ends every line with a comma; csv.writer cannot do that.
            for row in [header, *rows]:
                f.write(",".join("" if v is None else str(v) for v in row) + ",\n")
        else:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for row in rows:
                w.writerow(["" if v is None else v for v in row])
    return len(rows)


def lago_list(key: str, items: list) -> dict:
    n = len(items)
    return {
        key: items,
        "meta": {"current_page": 1, "next_page": None, "prev_page": None, "total_pages": 1, "total_count": n},
    }


def stripe_list(url: str, items: list) -> dict:
    return {"object": "list", "data": items, "has_more": False, "url": url}
