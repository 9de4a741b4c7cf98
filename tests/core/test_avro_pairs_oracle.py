"""The Avro pairs of the shared corpus agree with the Apache Avro reference checker.

Other tests take the corpus's verdicts as truth, so this keeps the corpus honest: each verdict
is recomputed with ``avro.compatibility`` (the port of Java's ``SchemaCompatibility``).
"""

from __future__ import annotations

import json
from typing import Any

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from tests.core.schema_pairs import AVRO_PAIRS, SchemaPair


def oracle_compatible(reader: Any, writer: Any) -> bool:
    # a new checker per call: the checker memoizes results across calls
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        reader=avro.schema.parse(json.dumps(reader)), writer=avro.schema.parse(json.dumps(writer))
    )
    return bool(result.compatibility == SchemaCompatibilityType.compatible)


@pytest.mark.parametrize("pair", AVRO_PAIRS, ids=lambda p: p.name)
def test_backward_verdict_matches_oracle(pair: SchemaPair) -> None:
    assert oracle_compatible(reader=pair.new, writer=pair.old) is pair.backward


@pytest.mark.parametrize("pair", AVRO_PAIRS, ids=lambda p: p.name)
def test_forward_verdict_matches_oracle(pair: SchemaPair) -> None:
    assert oracle_compatible(reader=pair.old, writer=pair.new) is pair.forward


@pytest.mark.parametrize("pair", AVRO_PAIRS, ids=lambda p: p.name)
def test_schemas_parse_and_read_themselves(pair: SchemaPair) -> None:
    assert oracle_compatible(pair.old, pair.old)
    assert oracle_compatible(pair.new, pair.new)
