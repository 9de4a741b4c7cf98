"""The evaluation-benchmark checks as plain functions."""

from __future__ import annotations

import random

from dagster_defs import benchmarks as bench
from dagster_defs.demo import mmlu_items


def test_content_hash_ignores_order_and_sees_any_change() -> None:
    items = mmlu_items()
    pinned = bench.canonical_hash(items)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert bench.check_content_hash(shuffled, pinned).passed
    changed = [dict(item) for item in items]
    changed[5]["question"] += " "
    outcome = bench.check_content_hash(changed, pinned)
    assert not outcome.passed and outcome.metadata["actual"] != pinned
    assert not bench.check_content_hash(items, None).passed  # nothing pinned: refuse


def test_ids_duplicates_labels_and_splits() -> None:
    items = mmlu_items()
    assert bench.check_unique_ids(items).passed
    assert bench.check_duplicates(items).passed
    assert bench.check_labels(items).passed
    assert bench.check_disjoint_splits(items).passed
    bad = [dict(item) for item in items]
    bad[1]["id"] = bad[0]["id"]
    bad[2]["question"] = "  " + bad[3]["question"].upper().replace("?", " ?!")  # same, loosely
    bad[4]["answer"] = 4  # only 4 choices
    bad[5]["answer"] = True  # a boolean is not an index
    bad[9]["question"] = bad[0]["question"]  # item 0 is dev, item 9 test
    assert bench.check_unique_ids(bad).metadata["repeated_ids"] == [bad[0]["id"]]
    duplicates = bench.check_duplicates(bad)
    assert not duplicates.passed
    assert [bad[2]["id"], bad[3]["id"]] in duplicates.metadata["normalised"]
    assert bench.check_labels(bad).metadata["invalid_ids"] == [bad[4]["id"], bad[5]["id"]]
    assert not bench.check_disjoint_splits(bad).passed


def test_label_distribution_against_the_pin() -> None:
    items = mmlu_items()
    even = {"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25}
    assert bench.check_label_distribution(items, even).passed
    skewed = [{**item, "answer": 0} if i % 2 else item for i, item in enumerate(items)]
    outcome = bench.check_label_distribution(skewed, even)
    assert not outcome.passed and outcome.metadata["shares"]["A"] > 0.5
    assert bench.check_label_distribution(skewed, None).passed  # no pin, nothing to compare


def test_contamination_by_text_hash_and_13_grams() -> None:
    items = [
        {"id": "q1", "question": "Which planet has the largest number of known moons in 2024?"},
        {
            "id": "q2",
            "question": (
                "In the year 1905 which physicist published four papers that changed the "
                "foundations of modern physics forever"
            ),
        },
        {"id": "q3", "question": "What is the boiling point of water at sea level?"},
    ]
    clean = bench.check_contamination(items, ["Nothing related here.", "Another text."])
    assert clean.passed
    leaked = bench.check_contamination(
        items,
        [
            "which PLANET has the largest number of known moons in 2024",  # normalised equal
            "Quiz: in the year 1905 which physicist published four papers that changed the "
            "foundations of something",  # shares a 13-gram with q2
            "Trivia night. What is the boiling point of water at sea level? Answer below.",
        ],
    )
    assert not leaked.passed
    assert leaked.metadata["exact_ids"] == ["q1"]
    assert set(leaked.metadata["ngram_ids"]) == {"q1", "q2", "q3"}
