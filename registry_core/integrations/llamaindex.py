"""LlamaIndex adapter: node metadata validated in an ingestion pipeline, metadata filters checked
against the schema, the auto-retriever's ``VectorStoreInfo`` built from it, and reindex plans.

Needs the ``llamaindex`` extra (``pip install 'llm-schema-registry[llamaindex]'``)::

    validator = MetadataValidator(registry, "rag-chunk", quarantine_path="quarantine.jsonl")
    pipeline = IngestionPipeline(transformations=[SentenceSplitter(), validator, embed_model])
    nodes = pipeline.run(documents=documents)
    print(validator.summary)  # seen, passed, quarantined, by rule
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from registry_core.integrations.errors import MissingExtra
from registry_core.integrations.filters import FilterProblem, check_filters, vector_store_info
from registry_core.integrations.reindex import FieldPlan, ReindexAction, ReindexPlan, reindex_plan
from registry_core.models import LATEST
from registry_core.validation.exact import Issue

try:
    from llama_index.core.schema import BaseNode, TransformComponent
    from pydantic import Field, PrivateAttr
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the extra
    raise MissingExtra("llamaindex", "llama-index-core") from exc

if TYPE_CHECKING:
    from registry_core.service import Registry

__all__ = [
    "FieldPlan",
    "FilterProblem",
    "MetadataSummary",
    "MetadataValidator",
    "QuarantinedNode",
    "ReindexAction",
    "ReindexPlan",
    "check_filters",
    "reindex_plan",
    "vector_store_info",
]


class QuarantinedNode(NamedTuple):
    """A node held back by ``MetadataValidator``: its id and every reason."""

    node_id: str
    errors: tuple[Issue, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class MetadataSummary:
    """Counts over every call of one validator; ``by_rule`` counts failures by reason code."""

    seen: int
    passed: int
    quarantined: int
    by_rule: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        rules = ", ".join(f"{rule} {count}" for rule, count in sorted(self.by_rule.items()))
        tail = f" ({rules})" if rules else ""
        return f"{self.seen} nodes: {self.passed} passed, {self.quarantined} quarantined{tail}"


class MetadataValidator(TransformComponent):
    """An ``IngestionPipeline`` step that checks each node's ``metadata`` against a version.

    Valid nodes pass through unchanged. Invalid ones are quarantined, never dropped silently:
    kept in ``quarantined`` (node id and errors), counted in ``summary`` and, with
    ``quarantine_path``, appended to that JSONL file with their text, metadata and errors.

    ``"latest"`` is resolved when the validator is built. The step is never answered from the
    pipeline's cache (a replay would skip the quarantine); steps after it still are.
    """

    registry: Any = Field(exclude=True)
    subject: str
    version: int
    schema_id: int
    quarantine_path: str | None = None
    _quarantined: list[QuarantinedNode] = PrivateAttr(default_factory=list)
    _seen: int = PrivateAttr(default=0)
    _by_rule: Counter[str] = PrivateAttr(default_factory=Counter)
    _nonce: str = PrivateAttr(default_factory=lambda: uuid.uuid4().hex)

    def __init__(
        self,
        registry: Registry,
        subject: str,
        version: int | str = LATEST,
        *,
        quarantine_path: str | Path | None = None,
    ) -> None:
        found = registry.get_version(subject, version)
        fields: dict[str, Any] = {
            "registry": registry,
            "subject": subject,
            "version": found.version,
            "schema_id": found.schema_id,
            "quarantine_path": str(quarantine_path) if quarantine_path is not None else None,
        }
        super().__init__(**fields)

    @classmethod
    def class_name(cls) -> str:
        return "RegistryMetadataValidator"

    def to_dict(self, **kwargs: Any) -> dict[str, Any]:
        # The pipeline's cache key is built from this: a fresh nonce per call means no replay.
        data: dict[str, Any] = super().to_dict(**kwargs)
        data["call"] = self._nonce
        return data

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        self._nonce = uuid.uuid4().hex
        if not nodes:
            return []
        records = [_json_safe(node.metadata) for node in nodes]
        result = self.registry.validate(records, self.subject, self.version)
        failures: dict[int, list[Issue]] = dict(result.failures)
        self._seen += len(nodes)
        held = []
        for position in sorted(failures):
            node, issues = nodes[position], tuple(failures[position])
            self._quarantined.append(QuarantinedNode(node.node_id, issues))
            self._by_rule.update(issue.rule for issue in issues)
            held.append(self._line(node, records[position], issues))
        if held and self.quarantine_path is not None:
            with Path(self.quarantine_path).open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in held)
        return [node for index, node in enumerate(nodes) if index not in failures]

    def _line(self, node: BaseNode, metadata: Any, issues: tuple[Issue, ...]) -> dict[str, Any]:
        return {
            "node_id": node.node_id,
            "ref_doc_id": node.ref_doc_id,
            "subject": self.subject,
            "version": self.version,
            "schema_id": self.schema_id,
            "errors": [issue.to_dict() for issue in issues],
            "metadata": metadata,
            "text": node.get_content(),
        }

    @property
    def quarantined(self) -> list[QuarantinedNode]:
        """Every node held back so far, in the order seen."""
        return list(self._quarantined)

    @property
    def summary(self) -> MetadataSummary:
        held = len(self._quarantined)
        return MetadataSummary(
            seen=self._seen,
            passed=self._seen - held,
            quarantined=held,
            by_rule=dict(self._by_rule),
        )


def _json_safe(metadata: dict[str, Any]) -> Any:
    """Metadata as a vector store will store it: JSON (dates and the like become strings)."""
    return json.loads(json.dumps(metadata, default=str))
