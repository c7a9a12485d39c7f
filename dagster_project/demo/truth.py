"""Ground truth of the planted faults, written beside (never inside) the landing tree."""

from __future__ import annotations

from dataclasses import dataclass, field

FAULT_TYPES = (
    "contract_ne_invoice",
    "unbilled_usage",
    "missed_proration",
    "duplicate_charge",
    "usage_spike",
    "payment_without_invoice",
    "duplicate_event",
    "bad_row",
    "unknown_metric",
    "crm_contract_never_billed",
)

COLUMNS = [
    "fault_id",
    "fault_type",
    "source",
    "entity",
    "file",
    "record_key",
    "external_customer_id",
    "expected_effect_minor",
    "currency",
    "note",
]


@dataclass
class Faults:
    """`expected_effect_minor` is signed from the company's books: what was billed (or collected) minus
    what should have been, in the currency's minor units; empty when the fault moves no money."""

    rows: list[list] = field(default_factory=list)

    def add(
        self,
        fault_type: str,
        source: str,
        entity: str,
        file: str,
        record_key: str,
        external_customer_id: str | None = None,
        expected_effect_minor: int | None = None,
        currency: str | None = None,
        note: str = "",
    ) -> None:
        assert fault_type in FAULT_TYPES, fault_type
        fid = f"F{len(self.rows) + 1:03d}"
        self.rows.append(
            [
                fid,
                fault_type,
                source,
                entity,
                file,
                record_key,
                external_customer_id,
                expected_effect_minor,
                currency,
                note,
            ]
        )
