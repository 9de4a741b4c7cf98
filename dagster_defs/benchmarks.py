"""Evaluation-benchmark checks, as plain functions over the items (no Dagster here).

A benchmark is pinned to (item schema version, content hash of its canonical items). Each check
returns a ``CheckOutcome``; the Dagster asset checks turn them into blocking check results, so a
changed benchmark never silently feeds an evaluation.

Items look like ``{"id", "question", "choices": [...], "answer": <index>, "split"}``; the
content hash is SHA-256 over the canonical JSON of the items sorted by id (keys sorted, no
whitespace), so reordering lines or reformatting the file does not change it, and any change to
an item does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "NGRAM",
    "CheckOutcome",
    "canonical_hash",
    "check_contamination",
    "check_content_hash",
    "check_disjoint_splits",
    "check_duplicates",
    "check_label_distribution",
    "check_labels",
    "check_unique_ids",
    "label_of",
    "normalize_text",
]

NGRAM = 13  # the contamination n-gram length (words), as in the GPT-3 and Llama reports
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def canonical_hash(items: Iterable[dict[str, Any]]) -> str:
    ordered = sorted(items, key=lambda item: str(item.get("id")))
    digest = hashlib.sha256()
    for item in ordered:
        digest.update(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def normalize_text(text: str) -> str:
    """Unicode NFKC, lower case, punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def label_of(item: dict[str, Any]) -> str | None:
    """The gold answer as a letter (index 0 -> ``A``), or None when it is not a valid index."""
    answer, choices = item.get("answer"), item.get("choices")
    if isinstance(answer, bool) or not isinstance(answer, int) or not isinstance(choices, list):
        return None
    if not 0 <= answer < len(choices) or answer >= 26:
        return None
    return chr(ord("A") + answer)


def check_content_hash(items: Sequence[dict[str, Any]], pinned: str | None) -> CheckOutcome:
    actual = canonical_hash(items)
    if pinned is None:
        return CheckOutcome(
            "content_hash_pinned",
            False,
            "no content_hash pinned in the catalog: pin this one to freeze the benchmark",
            {"actual": actual},
        )
    return CheckOutcome(
        "content_hash_pinned",
        actual == pinned,
        "items unchanged since the pin" if actual == pinned else "items differ from the pin",
        {"pinned": pinned, "actual": actual},
    )


def check_unique_ids(items: Sequence[dict[str, Any]]) -> CheckOutcome:
    counts = Counter(str(item.get("id")) for item in items)
    repeated = sorted(k for k, n in counts.items() if n > 1)
    return CheckOutcome(
        "unique_ids",
        not repeated,
        f"{len(repeated)} ids appear more than once" if repeated else "every id is unique",
        {"repeated_ids": repeated[:20]},
    )


def check_duplicates(items: Sequence[dict[str, Any]]) -> CheckOutcome:
    """Exact duplicates (same question and choices) and normalised-text duplicates."""
    exact: dict[bytes, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for item in items:
        key = orjson.dumps([item.get("question"), item.get("choices")])
        exact.setdefault(key, []).append(str(item.get("id")))
        loose.setdefault(normalize_text(str(item.get("question", ""))), []).append(
            str(item.get("id"))
        )
    exact_groups = [ids for ids in exact.values() if len(ids) > 1]
    loose_groups = [ids for ids in loose.values() if len(ids) > 1]
    return CheckOutcome(
        "no_duplicates",
        not exact_groups and not loose_groups,
        f"{len(exact_groups)} exact and {len(loose_groups)} normalised-text duplicate groups",
        {"exact": exact_groups[:10], "normalised": loose_groups[:10]},
    )


def check_labels(items: Sequence[dict[str, Any]]) -> CheckOutcome:
    """The gold answer is an index in range of the item's choices."""
    bad = [str(item.get("id")) for item in items if label_of(item) is None]
    return CheckOutcome(
        "labels_valid",
        not bad,
        f"{len(bad)} items have an answer outside their choices" if bad else "every answer valid",
        {"invalid_ids": bad[:20]},
    )


def check_label_distribution(
    items: Sequence[dict[str, Any]],
    pinned: dict[str, float] | None,
    *,
    tolerance: float = 0.1,
) -> CheckOutcome:
    """The share of each gold label stays within ``tolerance`` of the pinned shares."""
    counts = Counter(label for item in items if (label := label_of(item)) is not None)
    total = sum(counts.values()) or 1
    shares = {label: round(counts[label] / total, 4) for label in sorted(counts)}
    if not pinned:
        return CheckOutcome(
            "label_distribution", True, "no pinned label distribution", {"shares": shares}
        )
    pinned_total = sum(pinned.values()) or 1
    expected = {k: v / pinned_total for k, v in pinned.items()}
    gaps = {
        label: round(shares.get(label, 0.0) - expected.get(label, 0.0), 4)
        for label in sorted(set(expected) | set(shares))
    }
    worst = max((abs(g) for g in gaps.values()), default=0.0)
    return CheckOutcome(
        "label_distribution",
        worst <= tolerance,
        f"largest gap to the pinned shares {worst:.3f} (tolerance {tolerance})",
        {"shares": shares, "pinned": expected, "gaps": gaps},
    )


def check_disjoint_splits(items: Sequence[dict[str, Any]]) -> CheckOutcome:
    """No question (normalised) appears in two splits."""
    splits: dict[str, set[str]] = {}
    for item in items:
        text = normalize_text(str(item.get("question", "")))
        splits.setdefault(text, set()).add(str(item.get("split")))
    shared = sorted(text for text, names in splits.items() if len(names) > 1)
    return CheckOutcome(
        "disjoint_splits",
        not shared,
        f"{len(shared)} questions appear in more than one split" if shared else "splits disjoint",
        {"shared_questions": shared[:10]},
    )


def _ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def check_contamination(
    items: Sequence[dict[str, Any]],
    training_texts: Iterable[str],
    *,
    n: int = NGRAM,
) -> CheckOutcome:
    """Benchmark questions found in training data: the same normalised text (hash match), or a
    shared ``n``-gram of words; a question shorter than ``n`` words matches when its whole
    normalised text appears as a run of words."""
    questions = {
        str(item.get("id")): normalize_text(str(item.get("question", ""))) for item in items
    }
    by_hash = {hashlib.sha256(q.encode()).digest(): qid for qid, q in questions.items()}
    grams: dict[tuple[str, ...], set[str]] = {}  # n-grams, and whole short questions
    for qid, question in questions.items():
        words = question.split()
        if not words:
            continue
        pieces = [tuple(words)] if len(words) < n else _ngrams(words, n)
        for gram in pieces:
            grams.setdefault(gram, set()).add(qid)
    lengths = sorted({len(g) for g in grams})
    hits_exact: set[str] = set()
    hits_gram: set[str] = set()
    scanned = 0
    for text in training_texts:
        scanned += 1
        normal = normalize_text(text)
        found = by_hash.get(hashlib.sha256(normal.encode()).digest())
        if found is not None:
            hits_exact.add(found)
        words = normal.split()
        for length in lengths:
            for gram in _ngrams(words, length):
                owners = grams.get(gram)
                if owners:
                    hits_gram.update(owners)
    hit = sorted(hits_exact | hits_gram)
    return CheckOutcome(
        "no_contamination",
        not hit,
        f"{len(hit)} benchmark items found in {scanned} training texts"
        if hit
        else f"no overlap with {scanned} training texts",
        {"exact_ids": sorted(hits_exact)[:20], "ngram_ids": sorted(hits_gram)[:20], "n": n},
    )
