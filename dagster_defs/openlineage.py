"""OpenLineage run events for dataset runs (optional: set ``LLMSR_OPENLINEAGE_DIR``).

Each validation run emits a COMPLETE (or FAIL) event with the ``openlineage-python`` client's
file transport (one JSON event per line in ``<dir>/openlineage.jsonl``): the job is the
dataset's validation, the input is the dataset with the registered version's fields as its
``schema`` facet and the run's results as ``dataQualityAssertions``; the outputs are the valid
and quarantined records. Point another transport (HTTP to Marquez, Kafka) at the same events by
replacing the resource.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

__all__ = ["NAMESPACE", "OpenLineageResource"]

NAMESPACE = "llmsr"
PRODUCER = "https://github.com/llm-schema-registry/llmsr/dagster_defs"


class OpenLineageResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    directory: str = ""  # empty: LLMSR_OPENLINEAGE_DIR; neither set: no events

    def target(self) -> Path | None:
        text = self.directory or os.environ.get("LLMSR_OPENLINEAGE_DIR", "")
        return Path(text) if text else None

    def emit_validation(
        self,
        *,
        run_id: str,
        job: str,
        dataset: str,
        location: str,
        fields: list[Any],
        assertions: list[tuple[str, bool, str | None]],
        outputs: list[str],
        failed: bool = False,
    ) -> bool:
        """Emit one run event; False when OpenLineage is not configured."""
        target = self.target()
        if target is None:
            return False
        from openlineage.client import OpenLineageClient
        from openlineage.client.event_v2 import (
            InputDataset,
            Job,
            OutputDataset,
            Run,
            RunEvent,
            RunState,
        )
        from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq
        from openlineage.client.facet_v2 import datasource_dataset, schema_dataset
        from openlineage.client.transport.file import FileConfig, FileTransport

        target.mkdir(parents=True, exist_ok=True)
        client = OpenLineageClient(
            transport=FileTransport(
                FileConfig(log_file_path=str(target / "openlineage.jsonl"), append=True)
            )
        )
        schema = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(
                    name=f.path.lstrip("/") or "(record)", type=f.type, description=f.doc
                )
                for f in fields
            ]
        )
        quality = dq.DataQualityAssertionsDatasetFacet(
            assertions=[
                dq.Assertion(assertion=name, success=ok, column=column)
                for name, ok, column in assertions
            ]
        )
        event = RunEvent(
            eventType=RunState.FAIL if failed else RunState.COMPLETE,
            eventTime=datetime.now(UTC).isoformat(),
            producer=PRODUCER,
            run=Run(runId=str(uuid.UUID(run_id)) if _is_uuid(run_id) else str(uuid.uuid4())),
            job=Job(namespace=NAMESPACE, name=job),
            inputs=[
                InputDataset(
                    namespace=NAMESPACE,
                    name=dataset,
                    facets={
                        "schema": schema,
                        "dataSource": datasource_dataset.DatasourceDatasetFacet(
                            name=dataset, uri=location
                        ),
                    },
                    inputFacets={"dataQualityAssertions": quality},
                )
            ],
            outputs=[OutputDataset(namespace=NAMESPACE, name=name) for name in outputs],
        )
        client.emit(event)
        return True


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
