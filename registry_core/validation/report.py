"""What a validation run found."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from registry_core.validation.exact import Issue

__all__ = ["ValidationReport"]

SAMPLE_SIZE = 20


@dataclass
class ValidationReport:
    """Counts of a validation run, the reasons, and a sample of failures.

    ``samples`` holds the first failures: ``{"record": position (0-based, input order),
    "errors": [{"path", "rule", "message"}, ...]}``.
    """

    subject: str | None = None
    version: int | None = None
    schema_id: int | None = None
    total: int = 0
    valid: int = 0
    quarantined: int = 0
    errors_by_rule: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    format: str | None = None
    inputs: list[str] = field(default_factory=list)
    valid_path: str | None = None
    quarantine_path: str | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def invalid_fraction(self) -> float:
        return self.quarantined / self.total if self.total else 0.0

    def add_failure(self, position: int, issues: list[Issue]) -> None:
        self.quarantined += 1
        for issue in issues:
            self.errors_by_rule[issue.rule] += 1
        if len(self.samples) < SAMPLE_SIZE:
            self.samples.append({"record": position, "errors": [i.to_dict() for i in issues]})

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "valid": self.valid,
            "quarantined": self.quarantined,
            "subject": self.subject,
            "version": self.version,
            "schema_id": self.schema_id,
            "errors_by_rule": dict(self.errors_by_rule.most_common()),
            "seconds": round(self.seconds, 3),
            "format": self.format,
            "inputs": self.inputs,
            "valid_path": self.valid_path,
            "quarantine_path": self.quarantine_path,
            "samples": self.samples,
        }
