"""Identifiers that look like the real systems' ids, drawn only from the seeded generator."""

from __future__ import annotations

import random
import uuid

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

SF_PREFIX = {
    "account": "001",
    "opportunity": "006",
    "opportunity_line_item": "00k",
    "product2": "01t",
    "contract": "800",
    "user": "005",
}


def lago_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_BASE62) for _ in range(n))


def sf_checksum(id15: str) -> str:
    """Salesforce's 3-character case-safe suffix: one bit per upper-case letter in each 5-char chunk."""
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SF_SUFFIX[bits])
    return "".join(out)


def sf_id(rng: random.Random, kind: str) -> str:
    """An 18-character Salesforce id (prefix + pod-like infix + random tail + checksum)."""
    id15 = SF_PREFIX[kind] + "5g0000" + token(rng, 6)
    return id15 + sf_checksum(id15)


def stripe_id(rng: random.Random, prefix: str) -> str:
    return f"{prefix}_3Q{token(rng, 22)}"


def gocardless_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(12))


def psp_reference(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(16))
