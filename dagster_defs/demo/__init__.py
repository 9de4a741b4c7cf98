"""The demo catalog's data, generated (seeded, so always the same) when it is missing.

- ``chat_sft.jsonl``: OpenAI-style chat fine-tuning records; about 2% break the schema (an
  unknown role, an empty message, a one-message conversation).
- ``preference_pairs.jsonl``: prompt / chosen / rejected pairs; a few lack ``rejected``.
- ``telemetry/<day>.parquet``: inference events for 7 days; the last two days drift (slower
  calls, another provider mix) and a few events name a provider the schema does not know.
- ``telemetry_reference.parquet``: the drift reference for telemetry.
- ``mmlu_mini.jsonl``: a 48-item multiple-choice benchmark whose content hash the catalog pins.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

__all__ = ["CATALOG", "DAYS", "ensure_demo_data", "mmlu_items"]

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "catalog.yaml"
DATA = HERE / "data"
DAYS = [f"2026-11-{day:02d}" for day in range(20, 27)]
_TOPICS = ["astronomy", "biology", "chemistry", "geography", "history", "physics"]
_WORDS = [
    "model",
    "data",
    "token",
    "prompt",
    "answer",
    "system",
    "user",
    "reply",
    "context",
    "window",
    "batch",
    "label",
    "score",
    "review",
    "schema",
    "field",
    "record",
    "stream",
    "value",
    "drift",
    "metric",
    "sample",
    "train",
    "eval",
    "test",
    "cache",
]


def ensure_demo_data(root: Path = DATA) -> Path:
    """Write the demo files under ``root`` unless they are all there; returns ``root``."""
    wanted = [
        root / "chat_sft.jsonl",
        root / "preference_pairs.jsonl",
        root / "telemetry_reference.parquet",
        root / "mmlu_mini.jsonl",
        *(root / "telemetry" / f"{day}.parquet" for day in DAYS),
    ]
    if all(p.exists() for p in wanted):
        return root
    (root / "telemetry").mkdir(parents=True, exist_ok=True)
    _write_jsonl(root / "chat_sft.jsonl", _chat(random.Random(7), 300))
    _write_jsonl(root / "preference_pairs.jsonl", _pairs(random.Random(8), 200))
    _write_jsonl(root / "mmlu_mini.jsonl", mmlu_items())
    _write_parquet(root / "telemetry_reference.parquet", _telemetry(random.Random(9), 2000))
    for index, day in enumerate(DAYS):
        drifted = index >= len(DAYS) - 2
        rows = _telemetry(random.Random(100 + index), 600, drifted=drifted, bad_share=0.015)
        _write_parquet(root / "telemetry" / f"{day}.parquet", rows)
    return root


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _chat(rng: random.Random, count: int) -> list[dict[str, Any]]:
    out = []
    for index in range(count):
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "You are a careful assistant."},
        ]
        for _ in range(rng.randint(1, 3)):
            messages.append({"role": "user", "content": _sentence(rng, rng.randint(5, 14))})
            messages.append(
                {"role": "assistant", "content": _sentence(rng, rng.randint(8, 30)), "weight": 1}
            )
        if index % 50 == 7:
            messages[1]["role"] = "bot"
        elif index % 50 == 23:
            messages[2]["content"] = ""
        elif index % 97 == 41:
            messages = messages[:1]
        out.append({"messages": messages})
    return out


def _pairs(rng: random.Random, count: int) -> list[dict[str, Any]]:
    out = []
    for index in range(count):
        pair: dict[str, Any] = {
            "prompt": _sentence(rng, rng.randint(6, 12)),
            "chosen": _sentence(rng, rng.randint(10, 25)),
            "rejected": _sentence(rng, rng.randint(10, 25)),
            "annotator": f"annotator-{rng.randint(1, 5)}",
        }
        if index % 60 == 11:
            del pair["rejected"]
        out.append(pair)
    return out


def _telemetry(
    rng: random.Random, count: int, *, drifted: bool = False, bad_share: float = 0.0
) -> list[dict[str, Any]]:
    providers = ["OPENAI", "ANTHROPIC", "GOOGLE", "LOCAL"]
    weights = [0.25, 0.25, 0.1, 0.4] if drifted else [0.45, 0.3, 0.15, 0.1]
    models = {
        "OPENAI": "gpt-4o",
        "ANTHROPIC": "claude-3.5-sonnet",
        "GOOGLE": "gemini-1.5-pro",
        "LOCAL": "llama-3.1-8b",
    }
    out = []
    for index in range(count):
        provider = rng.choices(providers, weights)[0]
        prompt = rng.randint(20, 3000)
        completion = rng.randint(5, 800)
        latency = rng.lognormvariate(6.2 if drifted else 5.8, 0.5)
        out.append(
            {
                "event_id": f"ev-{rng.getrandbits(64):016x}",
                "model": models[provider],
                "provider": "ACME" if rng.random() < bad_share else provider,
                "latency_ms": int(latency),
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "cost_usd": None if index % 9 == 0 else round((prompt + 3 * completion) / 1e6, 6),
            }
        )
    return out


def mmlu_items() -> list[dict[str, Any]]:
    """48 items, 4 choices each, answers spread evenly over A-D, 8 dev and 40 test items."""
    items = []
    for index in range(48):
        topic = _TOPICS[index % len(_TOPICS)]
        answer = index % 4
        choices = [f"{topic} option {index}-{k}" for k in range(4)]
        items.append(
            {
                "id": f"mmlu-mini-{index:03d}",
                "question": f"In {topic}, which statement number {index} is correct?",
                "choices": choices,
                "answer": answer,
                "split": "dev" if index < 8 else "test",
                "topic": topic,
            }
        )
    return items


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("event_id", pa.string()),
            ("model", pa.string()),
            ("provider", pa.string()),
            ("latency_ms", pa.int64()),
            ("prompt_tokens", pa.int32()),
            ("completion_tokens", pa.int32()),
            ("cost_usd", pa.float64()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
