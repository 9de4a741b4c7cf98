"""The LlamaIndex adapter against real llama-index-core objects: node metadata validated inside
an ``IngestionPipeline`` (failures quarantined, never dropped silently), metadata filters checked
against the schema, ``VectorStoreInfo`` built from it, and reindex plans between versions."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from registry_core.integrations.llamaindex import (
    MetadataValidator,
    ReindexAction,
    check_filters,
    reindex_plan,
    vector_store_info,
)
from registry_core.service import Registry

CHUNK: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "description": "Chunks of the product handbook",
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "Document title", "x-embed": True},
        "section": {"type": "string", "x-embed": True},
        "lang": {"type": "string", "enum": ["en", "de"], "x-filterable": True},
        "page": {"type": "integer", "minimum": 1, "x-filterable": True},
        "published": {"type": "string", "format": "date", "x-filterable": True},
        "tags": {"type": "array", "items": {"type": "string"}, "x-filterable": True},
        "score": {"type": "number", "x-filterable": True},
        "source_uri": {"type": "string"},
    },
    "required": ["title", "lang"],
}


@pytest.fixture
def reg(registry: Registry) -> Registry:
    registry.register("chunk-meta", json.dumps(CHUNK), "JSON")
    return registry


def documents() -> list[Document]:
    text = " ".join(f"Sentence number {i} of the handbook." for i in range(60))
    return [
        Document(text=text, id_="good", metadata={"title": "Setup", "lang": "en", "page": 3}),
        Document(text=text, id_="bad-lang", metadata={"title": "Setup", "lang": "fr"}),
        Document(text=text, id_="no-title", metadata={"lang": "de", "page": 0}),
        Document(
            text="A short one.",
            id_="dated",
            metadata={"title": "Dates", "lang": "de", "published": datetime.date(2025, 1, 2)},
        ),
    ]


def pipeline(validator: MetadataValidator) -> IngestionPipeline:
    splitter = SentenceSplitter(chunk_size=64, chunk_overlap=0)
    return IngestionPipeline(transformations=[splitter, validator])


# --- the ingestion transform ----------------------------------------------------------------


def test_invalid_metadata_is_quarantined_in_a_real_pipeline(reg: Registry, tmp_path: Path) -> None:
    quarantine = tmp_path / "quarantine.jsonl"
    validator = MetadataValidator(reg, "chunk-meta", quarantine_path=quarantine)
    nodes = pipeline(validator).run(documents=documents())

    assert nodes and {n.ref_doc_id for n in nodes} == {"good", "dated"}
    held = validator.quarantined
    assert {h.node_id for h in held}.isdisjoint({n.node_id for n in nodes})
    lines = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert {line["ref_doc_id"] for line in lines} == {"bad-lang", "no-title"}
    assert [line["node_id"] for line in lines] == [h.node_id for h in held]
    first = next(line for line in lines if line["ref_doc_id"] == "no-title")
    assert {(e["path"], e["rule"]) for e in first["errors"]} == {
        ("/title", "required"),
        ("/page", "minimum"),
    }
    assert first["text"] and first["metadata"] == {"lang": "de", "page": 0}
    assert (first["subject"], first["version"], first["schema_id"]) == ("chunk-meta", 1, 1)

    summary = validator.summary
    assert summary.seen == len(nodes) + len(held)
    assert (summary.passed, summary.quarantined) == (len(nodes), len(held))
    per_doc = len(held) // 2
    assert summary.by_rule == {"enum": per_doc, "required": per_doc, "minimum": per_doc}
    assert f"{summary.quarantined} quarantined" in str(summary)


def test_a_second_run_is_validated_again_not_replayed_from_the_cache(reg: Registry) -> None:
    validator = MetadataValidator(reg, "chunk-meta")
    runner = pipeline(validator)
    first = runner.run(documents=documents())
    held_once = len(validator.quarantined)
    second = runner.run(documents=documents())
    assert len(second) == len(first)
    assert len(validator.quarantined) == 2 * held_once  # counted again, never silently dropped


def test_the_validator_pins_latest_and_passes_empty_batches(reg: Registry) -> None:
    validator = MetadataValidator(reg, "chunk-meta")
    reg.register("chunk-meta", json.dumps({**CHUNK, "required": ["title"]}), "JSON")
    assert (validator.version, validator.schema_id) == (1, 1)
    assert validator([]) == []
    assert "registry" not in validator.to_dict()  # the registry object is not serialised


# --- metadata filters -----------------------------------------------------------------------


def flt(key: str, value: Any, op: FilterOperator = FilterOperator.EQ) -> MetadataFilter:
    return MetadataFilter(key=key, value=value, operator=op)


GOOD_FILTERS: list[MetadataFilter | MetadataFilters] = [
    flt("lang", "en"),
    flt("lang", ["en", "de"], FilterOperator.IN),
    flt("page", 2, FilterOperator.GTE),
    flt("score", 0.5, FilterOperator.GT),
    flt("published", "2025-01-01", FilterOperator.LT),
    flt("tags", "setup", FilterOperator.CONTAINS),
    flt("tags", ["a", "b"], FilterOperator.ANY),
    flt("lang", "e", FilterOperator.TEXT_MATCH),
    flt("tags", None, FilterOperator.IS_EMPTY),
]


def test_filters_that_fit_the_schema_pass(reg: Registry) -> None:
    filters = MetadataFilters(filters=GOOD_FILTERS, condition=FilterCondition.AND)
    assert check_filters(filters, reg, "chunk-meta") == []


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (flt("author", "x"), "'author' is not a property of subject 'chunk-meta' version 1"),
        (flt("source_uri", "x"), "'source_uri' is not marked x-filterable"),
        (flt("lang", "en", FilterOperator.GT), "compares numbers or dates; 'lang' is string"),
        (flt("page", "3"), "the value must be integer, got '3' (str)"),
        (flt("page", 2.5), "must be integer"),
        (flt("lang", "en", FilterOperator.IN), "'in' needs a list value"),
        (flt("page", ["1"], FilterOperator.NIN), "every element must be integer, got '1' (str)"),
        (flt("page", "1", FilterOperator.TEXT_MATCH), "'text_match' needs a string property"),
        (flt("lang", "en", FilterOperator.CONTAINS), "'contains' needs an array property"),
        (flt("tags", "a", FilterOperator.ANY), "'any' needs a list value"),
        (flt("tags", [1], FilterOperator.ALL), "every element must be string"),
        (flt("tags", "a"), "'tags' is an array: use 'contains', 'any' or 'all'"),
    ],
)
def test_each_kind_of_bad_filter_is_explained(
    reg: Registry, bad: MetadataFilter, says: str
) -> None:
    problems = check_filters(MetadataFilters(filters=[bad]), reg, "chunk-meta")
    assert len(problems) == 1 and says in problems[0].message, problems
    assert problems[0].path == "filters[0]" and problems[0].key == bad.key


def test_nested_filters_are_walked_and_located(reg: Registry) -> None:
    nested = MetadataFilters(
        filters=[
            flt("lang", "en"),
            MetadataFilters(
                filters=[flt("page", 1, FilterOperator.GT), flt("pages", 1)],
                condition=FilterCondition.OR,
            ),
        ]
    )
    problems = check_filters(nested, reg, "chunk-meta")
    assert [(p.path, p.key) for p in problems] == [("filters[1].filters[1]", "pages")]
    assert str(problems[0]).startswith("filters[1].filters[1] (pages ==): ")


def test_without_annotations_every_property_is_filterable(registry: Registry) -> None:
    plain = copy.deepcopy(CHUNK)
    for node in plain["properties"].values():
        node.pop("x-filterable", None)
    registry.register("plain-meta", json.dumps(plain), "JSON")
    filters = MetadataFilters(filters=[flt("source_uri", "s3://x")])
    assert check_filters(filters, registry, "plain-meta") == []


# --- VectorStoreInfo ------------------------------------------------------------------------


def test_vector_store_info_lists_the_filterable_fields_with_types(reg: Registry) -> None:
    info = vector_store_info(reg, "chunk-meta")
    assert info.content_info == "Chunks of the product handbook"
    described = {m.name: (m.type, m.description) for m in info.metadata_info}
    assert described == {
        "lang": ("str", ""),
        "page": ("int", ""),
        "published": ("str", "published (date, ISO 8601)"),
        "tags": ("list[str]", ""),
        "score": ("float", ""),
    }
    assert vector_store_info(reg, "chunk-meta", content_info="x").content_info == "x"


def test_vector_store_info_without_annotations_takes_scalar_fields(registry: Registry) -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Document title"},
            "rank": {"type": ["integer", "null"]},
            "extra": {"type": "object"},
        },
    }
    registry.register("loose-meta", json.dumps(schema), "JSON")
    info = vector_store_info(registry, "loose-meta")
    assert [(m.name, m.type, m.description) for m in info.metadata_info] == [
        ("title", "str", "Document title"),
        ("rank", "int", ""),
    ]
    assert "subject 'loose-meta' version 1" in info.content_info


# --- reindex plans --------------------------------------------------------------------------


def evolve(registry: Registry, subject: str, schema: dict[str, Any]) -> None:
    """Register ``schema`` as the next version, whatever it breaks (the plan is the point)."""
    registry.set_config(subject, compatibility="NONE")
    registry.register(subject, json.dumps(schema), "JSON")


def test_reindex_plan_classifies_each_field_change(reg: Registry) -> None:
    v2 = copy.deepcopy(CHUNK)
    props = v2["properties"]
    props["section"] = {"type": "integer", "x-embed": True}  # embedded, type changed
    del props["page"]  # filterable, removed
    props["source_uri"]["x-embed"] = True  # now embedded
    props["tags"]["x-filterable"] = False  # no longer filterable
    props["author"] = {"type": "string"}  # metadata only, added
    props["title"]["description"] = "The title"  # documentation only
    evolve(reg, "chunk-meta", v2)

    plan = reindex_plan(reg, "chunk-meta", 1, 2)
    by_path = {(f.path, f.change): f for f in plan.fields}
    assert by_path[("/section", "type_changed")].action is ReindexAction.REEMBED
    assert by_path[("/source_uri", "embed_changed")].action is ReindexAction.REEMBED
    assert by_path[("/author", "added")].action is ReindexAction.UPDATE_METADATA
    assert by_path[("/title", "doc_changed")].action is ReindexAction.NONE
    removed = by_path[("/page", "removed")]
    assert removed.action is ReindexAction.UPDATE_METADATA and removed.breaks_queries
    unfiltered = by_path[("/tags", "filterable_changed")]
    assert unfiltered.breaks_queries and "no longer filterable" in unfiltered.message
    assert plan.needs_reembed and plan.needs_metadata_update
    assert {f.path for f in plan.breaking} == {"/page", "/tags"}
    assert plan.summary.startswith("subject 'chunk-meta' version 1 -> 2: re-embed (")
    assert "BREAKING for stored queries (/page field removed" in plan.summary
    assert plan.to_dict()["needs_reembed"] is True


def test_a_metadata_only_change_needs_no_reembedding(reg: Registry) -> None:
    v2 = copy.deepcopy(CHUNK)
    v2["properties"]["author"] = {"type": "string"}
    v2["properties"]["page"]["maximum"] = 5000
    evolve(reg, "chunk-meta", v2)
    plan = reindex_plan(reg, "chunk-meta", 1, "latest")
    assert not plan.needs_reembed and plan.needs_metadata_update and not plan.breaking
    assert [f.action for f in plan.fields] == [ReindexAction.UPDATE_METADATA] * 2
    assert "update metadata in place" in str(plan)


def test_unannotated_schemas_count_every_field_as_embedded(registry: Registry) -> None:
    # LlamaIndex embeds all metadata unless excluded: without x-embed, any change re-embeds
    v1 = {"type": "object", "properties": {"title": {"type": "string"}}}
    v2 = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
    }
    evolve(registry, "loose", v1)
    evolve(registry, "loose", v2)
    plan = reindex_plan(registry, "loose", 1, 2)
    assert plan.needs_reembed and [f.path for f in plan.fields] == ["/year"]


def test_annotating_embeddings_for_the_first_time_reembeds_the_excluded_fields(
    registry: Registry,
) -> None:
    v1: dict[str, Any] = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "uri": {"type": "string"}},
    }
    v2 = copy.deepcopy(v1)
    v2["properties"]["title"]["x-embed"] = True
    evolve(registry, "first", v1)
    evolve(registry, "first", v2)
    plan = reindex_plan(registry, "first", 1, 2)
    assert [(f.path, f.change) for f in plan.fields] == [("/uri", "embed_changed")]
    assert plan.fields[0].message == "no longer embedded (x-embed)"


def test_avro_field_attributes_are_read_as_annotations(registry: Registry) -> None:
    def record(*fields: dict[str, Any]) -> str:
        return json.dumps({"type": "record", "name": "Chunk", "fields": list(fields)})

    title = {"name": "title", "type": "string", "x-embed": True}
    lang = {"name": "lang", "type": "string", "x-filterable": True}
    registry.set_config("avro-chunk", compatibility="NONE")
    registry.register("avro-chunk", record(title, lang))
    registry.register("avro-chunk", record({**title, "type": "long"}, {**lang, "type": "long"}))
    plan = reindex_plan(registry, "avro-chunk", 1, 2)
    assert {(f.path, f.action, f.breaks_queries) for f in plan.fields} == {
        ("/title", ReindexAction.REEMBED, False),
        ("/lang", ReindexAction.UPDATE_METADATA, True),
    }


def test_no_changes_means_an_untouched_index(reg: Registry) -> None:
    plan = reindex_plan(reg, "chunk-meta", 1, 1)
    assert plan.fields == () and not plan.needs_reembed
    assert plan.summary.endswith("no field changes; the index stays as it is")
