"""The starter schemas: the catalog, installing (idempotent, in order, through governance), the
recorded OTel compatibility report, and each starter against realistic records, on SQLite and
on PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from registry_core import CompatibilityLevel, InvalidInput, Registry, SchemaNotFound
from registry_core.demo import DEMO_CHAT_SFT_RECORDS, seed_demo, validate_demo_records
from registry_core.starters import (
    InstallStatus,
    check_starter,
    get_starter,
    install_starters,
    starters,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
OTEL = "otel.gen_ai.inference"


def issues(
    registry: Registry, subject: str, record: Any, version: int | str = "latest"
) -> list[tuple[str, str]]:
    """(path, rule) of every failure of ``record``; empty when it is valid."""
    result = registry.validate([record], subject, version)
    return [(i.path, i.rule) for _, found in result.failures for i in found]


@pytest.fixture
def installed(registry: Registry) -> Registry:
    results = install_starters(registry)
    assert all(r.status is InstallStatus.REGISTERED for r in results), results
    return registry


# --- the catalog ------------------------------------------------------------------------------


def test_catalog_ships_each_subject_with_draft_2020_12_schemas() -> None:
    names = [s.name for s in starters()]
    assert names == [
        "llm.chat_sft",
        "llm.preference.openai",
        "llm.preference.trl",
        OTEL,
        "eval.lm_eval.sample",
        "eval.lm_eval.aggregate",
        "rag.chunk",
        "prompt.rag_qa.input",
    ]
    for starter in starters():
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", starter.name)
        assert starter.sources and starter.description and starter.title
        for shipped in starter.versions:
            schema = shipped.schema()
            assert schema["$schema"] == DRAFT_2020_12 and schema["title"], shipped.file
    assert [v.version for v in get_starter(OTEL).versions] == [1, 2]
    shipped = {v.file for s in starters() for v in s.versions}
    packaged = Path(__file__).parents[2] / "registry_core" / "starters" / "schemas"
    assert {p.name for p in packaged.glob("*.json")} == shipped | {"catalog.json"}


def test_every_rag_chunk_property_says_whether_it_is_embedded_and_filterable() -> None:
    properties = get_starter("rag.chunk").version(1).schema()["properties"]
    for name, spec in properties.items():
        assert isinstance(spec["x-embed"], bool) and isinstance(spec["x-filterable"], bool), name
    assert {n for n, s in properties.items() if s["x-embed"]} == {"text", "title", "section"}
    assert properties["tenant"]["x-filterable"] and not properties["embedding"]["x-filterable"]


def test_unknown_starter_names_are_refused_with_the_known_ones(registry: Registry) -> None:
    with pytest.raises(
        InvalidInput, match=r"Unknown starter 'llm\.chat'; use one of llm\.chat_sft"
    ):
        install_starters(registry, only=["llm.chat"])
    with pytest.raises(InvalidInput, match="Starter 'rag.chunk' has no version 2; it ships 1"):
        get_starter("rag.chunk").version(2)


# --- installing -------------------------------------------------------------------------------


def test_install_registers_every_version_in_order_with_the_catalog_levels(
    registry: Registry,
) -> None:
    results = install_starters(registry, actor="ada")
    assert [(r.subject, r.starter_version, r.version) for r in results if r.subject == OTEL] == [
        (OTEL, 1, 1),
        (OTEL, 2, 2),
    ]
    assert len(results) == 9 and all(r.status is InstallStatus.REGISTERED for r in results)
    assert registry.get_config(OTEL).compatibility is CompatibilityLevel.NONE
    assert registry.get_config("rag.chunk").compatibility is CompatibilityLevel.BACKWARD
    v2 = registry.get_version(OTEL, 2)
    assert str(v2.semver) == "2.0.0"  # the rename is a breaking change
    assert "passes only NONE" in results[4].message
    trail = [(e["actor"], e["action"]) for e in registry.audit_events(subject=OTEL)]
    assert trail == [
        ("ada", "config.set"),
        ("ada", "schema.registered"),
        ("ada", "schema.registered"),
    ]


def test_installing_twice_registers_nothing_new(installed: Registry) -> None:
    before = installed.list_schemas()
    again = install_starters(installed)
    assert {r.status for r in again} == {InstallStatus.ALREADY_REGISTERED}
    assert again[0].message == "already registered as version 1"
    assert installed.list_schemas() == before


def test_prefix_and_only_install_a_namespaced_subset(registry: Registry) -> None:
    results = install_starters(registry, prefix="team-a.", only=["rag.chunk", OTEL])
    assert [r.subject for r in results] == ["team-a.rag.chunk", f"team-a.{OTEL}", f"team-a.{OTEL}"]
    assert sorted(registry.subjects()) == ["team-a.otel.gen_ai.inference", "team-a.rag.chunk"]


def test_a_review_policy_turns_versions_into_proposals_that_later_versions_wait_for(
    registry: Registry,
) -> None:
    registry.set_policy("otel.", prefix=True, review_required=True, actor="admin")
    first = install_starters(registry, only=[OTEL])
    assert [r.status for r in first] == [InstallStatus.PROPOSED, InstallStatus.SKIPPED]
    assert first[0].proposal_id is not None
    assert f"proposal {first[0].proposal_id} waits for a reviewer" in first[0].message
    assert first[1].message == "waits for starter version 1 (proposed)"
    # running again finds the same proposal; nothing is registered meanwhile
    assert install_starters(registry, only=[OTEL])[0].proposal_id == first[0].proposal_id
    registry.review(first[0].proposal_id, approve=True, actor="rita")
    second = install_starters(registry, only=[OTEL])
    assert [r.status for r in second] == [InstallStatus.ALREADY_REGISTERED, InstallStatus.PROPOSED]
    registry.review(second[1].proposal_id or 0, approve=True, actor="rita")  # NONE: it passes
    assert registry.list_versions(OTEL) == [1, 2]


def test_a_subject_holding_other_schemas_is_a_conflict_not_a_new_version(
    registry: Registry,
) -> None:
    registry.register("rag.chunk", json.dumps({"type": "object"}), "JSON")
    [result] = install_starters(registry, only=["rag.chunk"])
    assert result.status is InstallStatus.CONFLICT and result.version == 1
    assert "subject 'rag.chunk' already has version 1" in result.message
    assert "install under another --prefix" in result.message
    assert registry.list_versions("rag.chunk") == [1]


def test_a_subject_level_chosen_by_someone_is_kept_and_can_refuse_a_version(
    registry: Registry,
) -> None:
    registry.set_config(OTEL, compatibility="FULL")
    results = install_starters(registry, only=[OTEL])
    assert [r.status for r in results] == [InstallStatus.REGISTERED, InstallStatus.REFUSED]
    assert "incompatible with an earlier schema" in results[1].message
    assert "REQUIRED_ATTRIBUTE_ADDED" in results[1].message
    assert registry.get_config(OTEL).compatibility is CompatibilityLevel.FULL


def test_a_policy_level_wins_over_the_starter_level(registry: Registry) -> None:
    registry.set_policy("otel.", prefix=True, compatibility="BACKWARD", actor="admin")
    results = install_starters(registry, only=[OTEL])
    assert "policy 'otel.' sets BACKWARD; the starter's NONE is not applied" in results[0].message
    assert results[1].status is InstallStatus.REFUSED


# --- the OTel rename as a compatibility example -----------------------------------------------


def test_the_recorded_otel_report_is_what_the_registry_check_says(installed: Registry) -> None:
    [note] = get_starter(OTEL).notes
    [check] = check_starter(installed, OTEL)
    assert (check.from_version, check.to_version) == (note.from_version, note.to_version)
    assert check.passes == note.passes == (CompatibilityLevel.NONE,)
    assert set(note.fails) == set(CompatibilityLevel) - {CompatibilityLevel.NONE}
    assert check.fails == note.fails
    for direction in ("BACKWARD", "FORWARD"):
        live = check.reports[CompatibilityLevel(direction)].incompatibilities
        recorded = [i for i in note.issues if i.direction == direction]
        assert [(i.kind, i.path, i.message) for i in live] == [
            (i.kind, i.path, i.message) for i in recorded
        ]


def test_under_the_lenient_policy_the_rename_alone_still_breaks_both_ways(
    installed: Registry,
) -> None:
    installed.set_config(OTEL, policy="LENIENT")
    [check] = check_starter(installed, OTEL)
    kinds = {
        level: [(i.kind, i.path) for i in check.reports[level].incompatibilities]
        for level in (CompatibilityLevel.BACKWARD, CompatibilityLevel.FORWARD)
    }
    assert ("REQUIRED_ATTRIBUTE_ADDED", "/required") in kinds[CompatibilityLevel.BACKWARD]
    assert kinds[CompatibilityLevel.FORWARD] == [("REQUIRED_ATTRIBUTE_ADDED", "/required")]


def test_checking_a_starter_that_is_not_installed_says_how_to_install_it(
    registry: Registry,
) -> None:
    with pytest.raises(SchemaNotFound, match=r"install it first \(llmsr starters install"):
        check_starter(registry, OTEL)


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_installs_the_starters_and_its_chat_records_validate(registry: Registry) -> None:
    rows = seed_demo(registry)
    assert (OTEL, 2, registry.get_version(OTEL, 2).schema_id) in rows
    assert seed_demo(registry) == rows
    result = validate_demo_records(registry)
    assert (result.report.valid, result.report.quarantined) == (3, 1)
    [(position, found)] = result.failures
    assert position == len(DEMO_CHAT_SFT_RECORDS) - 1
    assert [(i.path, i.rule) for i in found] == [("/messages/0/weight", "false_schema")]


def test_a_chat_sft_jsonl_file_is_split_like_records_in_memory(
    installed: Registry, tmp_path: Path
) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in DEMO_CHAT_SFT_RECORDS))
    report = installed.validate_files(data, "llm.chat_sft", out_dir=tmp_path / "out")
    assert (report.valid, report.quarantined) == (3, 1)
    assert report.samples[0]["errors"][0]["path"] == "/messages/0/weight"


# --- realistic records ------------------------------------------------------------------------

WEATHER_CALL = {
    "id": "call_abc123",
    "type": "function",
    "function": {"name": "get_current_weather", "arguments": '{"location": "San Francisco, USA"}'},
}
# OpenAI's function-calling fine-tuning example, with the tool's answer and a final reply
SFT_TOOL_CALL = {
    "messages": [
        {"role": "user", "content": "What is the weather in San Francisco?"},
        {"role": "assistant", "tool_calls": [WEATHER_CALL]},
        {"role": "tool", "tool_call_id": "call_abc123", "content": '{"temp_f": 63}'},
        {"role": "assistant", "content": "It is 63 °F in San Francisco.", "weight": 1},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_current_weather",
                "description": "Get the current weather",
                "parameters": {
                    "type": "object",
                    "properties": {"location": {"type": "string"}},
                    "required": ["location"],
                },
            },
        }
    ],
    "parallel_tool_calls": False,
}
SFT_VISION = {
    "messages": [
        {"role": "system", "content": "You identify dishes."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this dish?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/pho.jpg"}},
            ],
        },
        {"role": "assistant", "content": "Phở, a Vietnamese noodle soup.", "name": "chef"},
    ]
}


def _sft(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "Hi"}, *messages]}


OPENAI_DPO = {
    "input": {
        "messages": [{"role": "user", "content": "How cold is San Francisco today?"}],
        "tools": [],
        "parallel_tool_calls": True,
    },
    "preferred_output": [{"role": "assistant", "content": "A high near 68°F, a low of 57°F."}],
    "non_preferred_output": [{"role": "assistant", "content": "It is not particularly cold."}],
    "pair_id": "sf-weather-001",
    "annotator": "rater-17",
    "margin": 2.5,
}
TRL_CONVERSATIONAL = {
    "prompt": [{"role": "user", "content": "What color is the sky?"}],
    "chosen": [{"role": "assistant", "content": "It is blue."}],
    "rejected": [{"role": "assistant", "content": "It is green."}],
}
TRL_IMPLICIT = {
    "chosen": [
        {"role": "user", "content": "What color is the sky?"},
        {"role": "assistant", "content": "It is blue."},
    ],
    "rejected": [
        {"role": "user", "content": "What color is the sky?"},
        {"role": "assistant", "content": "It is green."},
    ],
    "score_chosen": 8.5,
    "score_rejected": 3.0,
    "source": "HuggingFaceH4/ultrafeedback_binarized",
}
SPAN_V1 = {
    "gen_ai.operation.name": "chat",
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.request.max_tokens": 200,
    "gen_ai.request.temperature": 0.7,
    "gen_ai.request.top_p": 1.0,
    "gen_ai.request.stop_sequences": ["\n\n"],
    "gen_ai.request.seed": 42,
    "gen_ai.response.id": "chatcmpl-9J3uIL87gldCFtiIbyaOvTeYBRA3l",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 52,
    "gen_ai.usage.output_tokens": 12,
    "gen_ai.conversation.id": "conv_5j66UpCpwteGg4YSxUnt7lPY",
    "server.address": "api.openai.com",
    "server.port": 443,
    "http.response.status_code": 200,  # other OTel attributes are allowed
}
SPAN_V2 = {
    **{k: v for k, v in SPAN_V1.items() if k != "gen_ai.system"},
    "gen_ai.provider.name": "openai",
    "gen_ai.usage.cache_read.input_tokens": 32,
    "gen_ai.output.messages": [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Hi!"}],
            "finish_reason": "stop",
        }
    ],
}
_HASH = "a" * 64
LM_EVAL_SAMPLE = {  # hellaswag, loglikelihood requests, harness 0.4.x --log_samples
    "doc_id": 0,
    "doc": {"ind": 24, "ctx": "A man is sitting on a roof. he", "label": "3"},
    "target": "3",
    "arguments": {
        "gen_args_0": {"arg_0": "Roofing: A man is on a roof. he", "arg_1": " is using wrap."},
        "gen_args_1": {"arg_0": "Roofing: A man is on a roof. he", "arg_1": " starts pulling up."},
    },
    "resps": [[["-40.10", "False"]], [["-22.51", "False"]]],
    "filtered_resps": [["-40.10", "False"], ["-22.51", "False"]],
    "filter": "none",
    "metrics": ["acc", "acc_norm"],
    "doc_hash": _HASH,
    "prompt_hash": "b" * 64,
    "target_hash": "c" * 64,
    "acc": 0.0,
    "acc_norm": 1.0,
}  # fmt: skip
LM_EVAL_GENERATE = {  # gsm8k, generate_until with its gen kwargs
    **LM_EVAL_SAMPLE,
    "arguments": {
        "gen_args_0": {"arg_0": "Question: 2+2?\nAnswer:", "arg_1": {"until": ["Question:"]}}
    },
    "resps": [["The answer is 4."]],
    "filtered_resps": ["4"],
    "filter": "strict-match",
    "metrics": ["exact_match"],
    "exact_match": 1.0,
}
LM_EVAL_RESULTS = {
    "results": {
        "hellaswag": {
            "alias": "hellaswag",
            "acc,none": 0.2872,
            "acc_stderr,none": 0.0045,
            "acc_norm,none": 0.3082,
            "acc_norm_stderr,none": "N/A",
        }
    },
    "group_subtasks": {"hellaswag": []},
    "configs": {"hellaswag": {"task": "hellaswag", "dataset_path": "Rowan/hellaswag"}},
    "versions": {"hellaswag": 1.0},
    "n-shot": {"hellaswag": 0},
    "higher_is_better": {"hellaswag": {"acc": True, "acc_norm": True}},
    "n-samples": {"hellaswag": {"original": 10042, "effective": 10042}},
    "config": {
        "model": "hf",
        "model_args": "pretrained=EleutherAI/pythia-160m,dtype=float",
        "batch_size": "8",
        "limit": None,
        "gen_kwargs": None,
        "random_seed": 0,
        "numpy_seed": 1234,
        "torch_seed": 1234,
        "fewshot_seed": 1234,
    },
    "git_hash": "4f8195f",
    "date": 1718012345.67,
    "transformers_version": "4.41.2",  # newer keys are allowed
    "task_hashes": {"hellaswag": "d" * 64},
    "model_source": "hf",
    "model_name": "EleutherAI/pythia-160m",
    "chat_template_sha": None,
    "total_evaluation_time_seconds": "812.42",
}
RAG_CHUNK = {
    "chunk_id": "handbook-2024#0007",
    "doc_id": "handbook-2024",
    "text": "Employees accrue 2.5 days of paid leave per month worked.",
    "chunk_index": 7,
    "start_char": 10412,
    "end_char": 10469,
    "token_count": 14,
    "content_hash": "sha256:" + _HASH,
    "source_uri": "s3://docs/hr/handbook-2024.pdf",
    "title": "Employee handbook 2024",
    "section": "Leave > Paid leave",
    "page": 12,
    "lang": "en-GB",
    "created_at": "2024-03-01T09:30:00Z",
    "acl": ["group:hr", "group:all-staff"],
    "tenant": "acme",
    "embedding_model": "text-embedding-3-small",
    "embedding_dim": 3,
    "embedding": [0.012, -0.334, 0.981],
    "prev_id": "handbook-2024#0006",
    "metadata": {"department": "hr"},
    "schema_version": 1,
}
RAG_QA = {
    "question": "How much paid leave do I get?",
    "context": RAG_CHUNK["text"],
    "language": "en",
}

VALID = [
    ("llm.chat_sft", 1, SFT_TOOL_CALL),
    ("llm.chat_sft", 1, SFT_VISION),
    ("llm.preference.openai", 1, OPENAI_DPO),
    ("llm.preference.trl", 1, {"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}),
    ("llm.preference.trl", 1, TRL_CONVERSATIONAL),
    ("llm.preference.trl", 1, TRL_IMPLICIT),
    ("llm.preference.trl", 1, {"chosen": "The sky is blue.", "rejected": "The sky is green."}),
    (OTEL, 1, SPAN_V1),
    (OTEL, 2, SPAN_V2),
    (OTEL, 2, {**SPAN_V2, "gen_ai.system": "openai"}),  # both, while migrating
    ("eval.lm_eval.sample", 1, LM_EVAL_SAMPLE),
    ("eval.lm_eval.sample", 1, LM_EVAL_GENERATE),
    ("eval.lm_eval.aggregate", 1, LM_EVAL_RESULTS),
    ("rag.chunk", 1, RAG_CHUNK),
    ("prompt.rag_qa.input", 1, RAG_QA),
    ("prompt.rag_qa.input", 1, {"question": "Why?", "context": ""}),
]

_ASSISTANT_CALL = {"role": "assistant", "tool_calls": [WEATHER_CALL]}
_CALL_OBJECT = {"name": "get_current_weather", "arguments": {"location": "Paris"}}


def _turn(first: dict[str, Any]) -> dict[str, Any]:
    return {"messages": [first, {"role": "assistant", "content": "Hey"}]}


def _without(record: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


INVALID = [
    ("weight 2", "llm.chat_sft", 1, _sft({"role": "assistant", "content": "Hey", "weight": 2}),
     [("/messages/1/weight", "enum")]),
    ("weight on a user message", "llm.chat_sft", 1,
     _turn({"role": "user", "content": "Hi", "weight": 1}),
     [("/messages/0/weight", "false_schema")]),
    ("arguments not a string", "llm.chat_sft", 1,
     _sft({**_ASSISTANT_CALL, "tool_calls": [{**WEATHER_CALL, "function": _CALL_OBJECT}]}),
     [("/messages/1/tool_calls/0/function/arguments", "type")]),
    ("unknown role", "llm.chat_sft", 1,
     _turn({"role": "robot", "content": "Hi"}),
     [("/messages/0/role", "enum")]),
    ("no assistant message", "llm.chat_sft", 1, _sft(), [("/messages", "contains")]),
    ("tool message without its call id", "llm.chat_sft", 1,
     _sft(_ASSISTANT_CALL, {"role": "tool", "content": "18"}),
     [("/messages/2/tool_call_id", "required")]),
    ("tool_calls on a user message", "llm.chat_sft", 1,
     _turn({"role": "user", "content": "Hi", "tool_calls": [WEATHER_CALL]}),
     [("/messages/0/tool_calls", "false_schema")]),
    ("tool call of another type", "llm.chat_sft", 1,
     _sft({**_ASSISTANT_CALL, "tool_calls": [{**WEATHER_CALL, "type": "retrieval"}]}),
     [("/messages/1/tool_calls/0/type", "const")]),
    ("a user message in the preferred output", "llm.preference.openai", 1,
     {**OPENAI_DPO, "preferred_output": [{"role": "user", "content": "Hi"}]},
     [("/preferred_output/0/role", "enum")]),
    ("no rejected completion", "llm.preference.openai", 1,
     _without(OPENAI_DPO, "non_preferred_output"),
     [("/non_preferred_output", "required")]),
    ("a string chosen with a conversational rejected", "llm.preference.trl", 1,
     {**TRL_CONVERSATIONAL, "chosen": "It is blue."},
     [("/prompt", "type"), ("/rejected", "type")]),
    ("no rejected", "llm.preference.trl", 1, {"prompt": "Hi", "chosen": "Hey"},
     [("/rejected", "required")]),
    ("no operation name", OTEL, 1, _without(SPAN_V1, "gen_ai.operation.name"),
     [("/gen_ai.operation.name", "required")]),
    ("a pre-1.37 span against v2", OTEL, 2, SPAN_V1, [("/gen_ai.provider.name", "required")]),
    ("negative token usage", OTEL, 2, {**SPAN_V2, "gen_ai.usage.output_tokens": -1},
     [("/gen_ai.usage.output_tokens", "minimum")]),
    ("top_p above 1", OTEL, 1, {**SPAN_V1, "gen_ai.request.top_p": 1.5},
     [("/gen_ai.request.top_p", "maximum")]),
    ("an object as an attribute value", OTEL, 1, {**SPAN_V1, "app.user": {"id": 7}},
     [("/app.user", "type")]),
    ("a doc hash that is not sha256", "eval.lm_eval.sample", 1,
     {**LM_EVAL_SAMPLE, "doc_hash": "xyz"},
     [("/doc_hash", "pattern")]),
    ("a metric value as text", "eval.lm_eval.sample", 1, {**LM_EVAL_SAMPLE, "acc": "1.0"},
     [("/acc", "type")]),
    ("a metric key without its filter", "eval.lm_eval.aggregate", 1,
     {**LM_EVAL_RESULTS, "results": {"hellaswag": {"alias": "hellaswag", "acc": 0.28}}},
     [("/results/hellaswag", "additional_properties")]),
    ("no config", "eval.lm_eval.aggregate", 1, _without(LM_EVAL_RESULTS, "config"),
     [("/config", "required")]),
    ("an embedding without its model", "rag.chunk", 1,
     _without(RAG_CHUNK, "embedding_model", "embedding_dim"),
     [("/embedding_model", "required"), ("/embedding_dim", "required")]),
    ("a language that is not a BCP 47 tag", "rag.chunk", 1, {**RAG_CHUNK, "lang": "english_uk"},
     [("/lang", "pattern")]),
    ("no question", "prompt.rag_qa.input", 1, {"context": "..."}, [("/question", "required")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "version", "record"),
    VALID,
    ids=[f"{s}-v{v}-{i}" for i, (s, v, _) in enumerate(VALID)],
)
def test_realistic_records_are_valid(
    installed: Registry, subject: str, version: int, record: dict[str, Any]
) -> None:
    assert issues(installed, subject, record, version) == []


@pytest.mark.parametrize(
    ("subject", "version", "record", "expected"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_records_fail_where_expected(
    installed: Registry,
    subject: str,
    version: int,
    record: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    assert issues(installed, subject, record, version) == expected
