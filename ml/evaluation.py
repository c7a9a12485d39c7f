"""Scores the review queue against the planted cases (docs/assurance.md §6). Pure: no Dagster.

A fault case is found when an active finding (status `open`, no `explained_by`) carries one of
the case's reason codes for its customer and, when both name one, its subscription. A case that
names an invoice needs the finding on that invoice (or naming it in its evidence or words: the
twin of a duplicate pair); a case without an invoice (a contract, a subscription's usage) takes
the findings of its period month and later. An active finding that matches no fault case is a false
positive; so is one that matches a near miss (`is_fault` false: must not be flagged).

Per fault type: recall = found fault cases / fault cases; precision = findings matching a
fault case of the type / findings attributed to the type, where a finding is attributed to the
types of the fault cases it matches, else of the near misses it matches, else to every fault
type whose cases list its reason code (else to `unattributed`). Overall precision counts each
finding once. Amounts (planted and found) are per fault type and currency, in minor units.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

OVERALL = "overall"
UNATTRIBUTED = "unattributed"
CASE_COLUMNS = (
    "case_id",
    "fault_type",
    "is_fault",
    "reason_codes",
    "external_customer_id",
    "external_subscription_id",
    "invoice_number",
    "period_month",
    "amount_minor",
    "currency",
    "note",
)


class TruthFileError(ValueError):
    """A truth file that cannot be read as the §6 contract says, naming file, row and field."""


def _month(value: object) -> str | None:
    """'YYYY-MM' of a date or a 'YYYY-MM[-DD]' text; None when empty."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    text = str(value).strip()
    if not text or text.lower() in ("nan", "nat", "none"):
        return None
    return text[:7]


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text.lower() in ("nan", "none") else text


@dataclass(frozen=True)
class Case:
    case_id: str
    fault_type: str
    is_fault: bool
    reason_codes: tuple[str, ...]
    external_customer_id: str
    external_subscription_id: str | None = None
    invoice_number: str | None = None
    period_month: str | None = None  # 'YYYY-MM'
    amount_minor: int | None = None
    currency: str | None = None

    def matches(self, finding: Mapping[str, object]) -> bool:
        if finding.get("reason_code") not in self.reason_codes:
            return False
        if _text(finding.get("external_customer_id")) != self.external_customer_id:
            return False
        sub = _text(finding.get("external_subscription_id"))
        if self.external_subscription_id and sub and sub != self.external_subscription_id:
            return False
        if self.invoice_number:
            # the invoice the fault sits on; a finding on its twin (a duplicate pair) names it in
            # its evidence or its words
            named = " ".join(_text(finding.get(k)) or "" for k in ("evidence", "reason_text"))
            return _text(finding.get("invoice_number")) == self.invoice_number or self.invoice_number in named
        # a case without an invoice (a contract, a subscription's usage) starts in its month: the
        # findings of that month and the later ones of the same subscription are the same fault
        month = _month(finding.get("period_month"))
        return not (self.period_month and (month is None or month < self.period_month))


def load_cases(path: Path) -> list[Case]:
    """The cases of `assurance_cases.csv`; a bad row raises TruthFileError naming row and field."""
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CASE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise TruthFileError(f"{path}: missing column(s) {', '.join(missing)}")
        cases = []
        for line, row in enumerate(reader, start=2):
            cases.append(_case(path, line, row))
    return cases


def _case(path: Path, line: int, row: Mapping[str, str]) -> Case:
    def bad(field: str, why: str) -> TruthFileError:
        return TruthFileError(f"{path} line {line}, field {field}: {why} ({row.get(field)!r})")

    flag = (row["is_fault"] or "").strip().lower()
    if flag not in ("true", "false"):
        raise bad("is_fault", "expected true or false")
    codes = tuple(c.strip() for c in (row["reason_codes"] or "").split("|") if c.strip())
    if not codes:
        raise bad("reason_codes", "no reason code")
    customer = _text(row["external_customer_id"])
    if not customer:
        raise bad("external_customer_id", "empty")
    amount = None
    if _text(row["amount_minor"]):
        try:
            value = Decimal(row["amount_minor"].strip())
        except InvalidOperation as exc:
            raise bad("amount_minor", "not a number") from exc
        if value != value.to_integral_value():
            raise bad("amount_minor", "not a whole number of minor units")
        amount = int(value)
    return Case(
        case_id=row["case_id"].strip(),
        fault_type=row["fault_type"].strip(),
        is_fault=flag == "true",
        reason_codes=codes,
        external_customer_id=customer,
        external_subscription_id=_text(row["external_subscription_id"]),
        invoice_number=_text(row["invoice_number"]),
        period_month=_month(row["period_month"]),
        amount_minor=amount,
        currency=_text(row["currency"]),
    )


def is_active(finding: Mapping[str, object]) -> bool:
    """A finding that claims a fault: still open (or no status at all) and not explained away."""
    status = _text(finding.get("status")) or "open"
    return status == "open" and _text(finding.get("explained_by")) is None


@dataclass
class TypeScore:
    fault_type: str
    fault_cases: int = 0
    found_cases: int = 0
    near_miss_cases: int = 0
    near_misses_flagged: int = 0
    true_positive_findings: int = 0
    false_positive_findings: int = 0

    @property
    def recall(self) -> Decimal | None:
        return _share(self.found_cases, self.fault_cases)

    @property
    def precision(self) -> Decimal | None:
        return _share(self.true_positive_findings, self.true_positive_findings + self.false_positive_findings)

    def as_row(self) -> dict[str, object]:
        return {
            "fault_type": self.fault_type,
            "fault_cases": self.fault_cases,
            "found_cases": self.found_cases,
            "recall": self.recall,
            "true_positive_findings": self.true_positive_findings,
            "false_positive_findings": self.false_positive_findings,
            "precision": self.precision,
            "near_miss_cases": self.near_miss_cases,
            "near_misses_flagged": self.near_misses_flagged,
        }


def _share(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


@dataclass
class Evaluation:
    scores: dict[str, TypeScore]  # by fault type, plus OVERALL
    amounts: dict[tuple[str, str], tuple[int, int]]  # (fault type, currency) -> (planted, found)
    found_case_ids: set[str]
    false_positive_finding_ids: list[str]

    def rows(self) -> list[dict[str, object]]:
        """One row per fault type (sorted), then `overall`."""
        types = sorted(t for t in self.scores if t != OVERALL)
        return [self.scores[t].as_row() for t in [*types, OVERALL]]

    def amount_rows(self) -> list[dict[str, object]]:
        return [
            {"fault_type": t, "currency": c, "planted_amount_minor": p, "found_amount_minor": f}
            for (t, c), (p, f) in sorted(self.amounts.items())
        ]


def evaluate(findings: Iterable[Mapping[str, object]], cases: Iterable[Case]) -> Evaluation:
    cases = list(cases)
    faults = [c for c in cases if c.is_fault]
    near_misses = [c for c in cases if not c.is_fault]
    types_by_code: dict[str, set[str]] = defaultdict(set)
    for case in faults:
        for code in case.reason_codes:
            types_by_code[code].add(case.fault_type)

    scores: dict[str, TypeScore] = {}

    def score(fault_type: str) -> TypeScore:
        return scores.setdefault(fault_type, TypeScore(fault_type))

    overall = TypeScore(OVERALL)
    for case in faults:
        score(case.fault_type).fault_cases += 1
    for case in near_misses:
        score(case.fault_type).near_miss_cases += 1
    overall.fault_cases = len(faults)
    overall.near_miss_cases = len(near_misses)

    found: set[str] = set()
    flagged_near_misses: set[str] = set()
    false_positives: list[str] = []
    for finding in findings:
        if not is_active(finding):
            continue
        hit_faults = [c for c in faults if c.matches(finding)]
        hit_near = [c for c in near_misses if c.matches(finding)]
        if hit_faults:
            found.update(c.case_id for c in hit_faults)
            overall.true_positive_findings += 1
            for fault_type in sorted({c.fault_type for c in hit_faults}):
                score(fault_type).true_positive_findings += 1
            continue
        overall.false_positive_findings += 1
        false_positives.append(str(finding.get("finding_id")))
        if hit_near:
            flagged_near_misses.update(c.case_id for c in hit_near)
            attributed = {c.fault_type for c in hit_near}
        else:
            attributed = types_by_code.get(str(finding.get("reason_code")), set()) or {UNATTRIBUTED}
        for fault_type in sorted(attributed):
            score(fault_type).false_positive_findings += 1

    for case in faults:
        if case.case_id in found:
            score(case.fault_type).found_cases += 1
    for case in near_misses:
        if case.case_id in flagged_near_misses:
            score(case.fault_type).near_misses_flagged += 1
    overall.found_cases = len(found & {c.case_id for c in faults})
    overall.near_misses_flagged = len(flagged_near_misses)
    scores[OVERALL] = overall

    amounts: dict[tuple[str, str], list[int]] = {}
    for case in faults:
        if case.amount_minor is None or not case.currency:
            continue
        for fault_type in (case.fault_type, OVERALL):
            planted_found = amounts.setdefault((fault_type, case.currency), [0, 0])
            planted_found[0] += case.amount_minor
            if case.case_id in found:
                planted_found[1] += case.amount_minor
    return Evaluation(
        scores=scores,
        amounts={k: (v[0], v[1]) for k, v in amounts.items()},
        found_case_ids=found,
        false_positive_finding_ids=false_positives,
    )
