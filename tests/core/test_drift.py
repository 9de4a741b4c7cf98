"""Drift detection: drift found in exactly the columns that drifted, no alarm between two
samples of one distribution (small and large), statistics equal to scipy's, reports stored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from registry_core.drift import DriftConfig, _jensen_shannon, _wasserstein_sorted, detect_drift
from registry_core.errors import InvalidInput
from registry_core.service import Registry

NUMERIC_SHIFTED = {"n03", "n07", "n12", "n18"}
CATEGORICAL_SHIFTED = {"c1", "c3"}
CARDINALITY = [3, 5, 12, 50, 200]


def sample(rows: int, seed: int, *, shifted: bool = False) -> pl.DataFrame:
    """20 numeric columns of five families and 5 categorical ones; ``shifted`` moves 4 numeric
    columns by 0.5 standard deviations and re-weights 2 categorical ones."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(20):
        family = i % 5
        if family == 0:
            values, sd = rng.normal(10, 2, rows), 2.0
        elif family == 1:
            values = rng.lognormal(1, 0.5, rows)
            sd = float(np.sqrt((np.exp(0.25) - 1) * np.exp(2 + 0.25)))
        elif family == 2:
            values, sd = rng.exponential(3, rows), 3.0
        elif family == 3:
            values, sd = rng.poisson(20, rows).astype(float), float(np.sqrt(20))
        else:
            values = np.where(
                rng.random(rows) < 0.5, rng.normal(0, 1, rows), rng.normal(6, 1, rows)
            )
            sd = 3.16
        name = f"n{i:02d}"
        if shifted and name in NUMERIC_SHIFTED:
            values = values + 0.5 * sd
        columns[name] = values
    for j, cardinality in enumerate(CARDINALITY):
        weights = np.linspace(1, 2, cardinality)
        if shifted and f"c{j}" in CATEGORICAL_SHIFTED:
            weights = weights[::-1] ** 3
        weights = weights / weights.sum()
        columns[f"c{j}"] = [f"k{k}" for k in rng.choice(cardinality, rows, p=weights)]
    return pl.DataFrame(columns)


@pytest.mark.parametrize("rows", [500, 200_000])
def test_clear_drift_is_found_in_exactly_the_drifted_columns(rows: int) -> None:
    report = detect_drift(sample(rows, 11), sample(rows, 12, shifted=True))
    assert set(report.drifted_columns) == NUMERIC_SHIFTED | CATEGORICAL_SHIFTED
    assert report.drift_detected
    methods = {c.method for c in report.columns}
    assert methods == ({"ks", "chisquare"} if rows <= 1000 else {"wasserstein", "jensenshannon"})


@pytest.mark.parametrize("rows", [300, 500, 200_000])
@pytest.mark.parametrize("seeds", [(3, 4), (5, 6), (7, 8)])
def test_two_samples_of_one_distribution_raise_no_alarm(rows: int, seeds: tuple[int, int]) -> None:
    report = detect_drift(sample(rows, seeds[0]), sample(rows, seeds[1]))
    assert report.drifted_columns == [] and not report.drift_detected


def test_statistics_equal_scipy() -> None:
    rng = np.random.default_rng(0)
    u, v = np.sort(rng.normal(0, 1, 5000)), np.sort(rng.normal(0.2, 1.3, 4000))
    assert _wasserstein_sorted(u, v) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-9)
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.6, 0.3])
    assert _jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q), rel=1e-9)
    frame_u, frame_v = pl.DataFrame({"x": u[:800]}), pl.DataFrame({"x": v[:700]})
    [column] = detect_drift(frame_u, frame_v).columns
    expected = stats.ks_2samp(u[:800], v[:700])
    assert column.method == "ks" and column.statistic == pytest.approx(expected.statistic)
    assert column.p_value == pytest.approx(expected.pvalue)


def test_schema_drift_and_chosen_methods() -> None:
    reference = pl.DataFrame({"a": [1.0, 2.0, 3.0] * 10, "b": ["x", "y", "z"] * 10, "c": [1] * 30})
    current = pl.DataFrame({"a": ["1", "2", "3"] * 10, "b": ["x", "y", "z"] * 10, "d": [0] * 30})
    report = detect_drift(reference, current)
    assert report.schema_drift == {
        "added": ["d"],
        "removed": ["c"],
        "type_changed": [{"column": "a", "from": "Float64", "to": "String"}],
    }
    assert report.drift_detected and report.drifted_columns == []
    [a, _] = report.columns
    assert a.method is None and a.note == "type changed"
    widened = detect_drift(
        pl.DataFrame({"x": pl.Series([1, 2], dtype=pl.Int32)}), pl.DataFrame({"x": [1, 2]})
    )
    assert widened.schema_drift["type_changed"] == []  # Int32 -> Int64 is not drift
    psi = detect_drift(
        sample(2000, 1),
        sample(2000, 2, shifted=True),
        config=DriftConfig(numeric_method="psi", categorical_method="psi", psi=0.1),
    )
    assert {c.method for c in psi.columns} == {"psi"}
    assert set(psi.drifted_columns) >= NUMERIC_SHIFTED
    with pytest.raises(ValueError, match="numeric method"):
        DriftConfig(numeric_method="magic")


def test_reports_are_stored_with_a_subject_or_dataset(registry: Registry, tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["n00", "c0", "gone"],
        "properties": {
            "n00": {"type": "number"},
            "c0": {"type": "integer"},  # a string column in the data
            "gone": {"type": "string"},
            **{f"n{i:02d}": {"type": "number"} for i in range(1, 20)},
            **{f"c{j}": {"type": "string"} for j in range(1, 5)},
        },
    }
    registry.register("telemetry-value", json.dumps(schema), "JSON")
    sample(400, 1).write_parquet(tmp_path / "ref.parquet")
    sample(400, 2, shifted=True).write_parquet(tmp_path / "cur.parquet")
    report = registry.drift(
        tmp_path / "ref.parquet", tmp_path / "cur.parquet", subject="telemetry-value"
    )
    registered = report.schema_drift["registered"]
    assert registered["missing"] == ["gone"] and registered["unexpected"] == []
    assert [m["column"] for m in registered["type_mismatch"]] == ["c0"]
    registry.drift(tmp_path / "ref.parquet", tmp_path / "ref.parquet", dataset="telemetry")
    stored = registry.drift_reports()
    assert [(r["subject"], r["dataset"], r["driftDetected"]) for r in stored] == [
        (None, "telemetry", False),
        ("telemetry-value", None, True),
    ]
    assert stored[1]["report"]["drifted_columns"] == report.drifted_columns
    [event] = registry.events(type_="drift.detected")
    assert event["subject"] == "telemetry-value"
    with pytest.raises(InvalidInput, match="has no column zz"):
        registry.drift(tmp_path / "ref.parquet", tmp_path / "cur.parquet", columns=["zz"])


def test_closed_form_p_values_match_scipy() -> None:
    """The Kolmogorov and chi-squared tails written out in drift.py (to spare the scipy.special
    import) give scipy's values: absolute error below 1e-12 over the range that matters."""
    from scipy.special import chdtrc, kolmogorov

    from registry_core.drift import chi2_sf, kolmogorov_sf

    for x in [*np.linspace(0.01, 3, 300), 0.999, 1.0, 1.001, 5.0, 0.0, -1.0]:
        assert abs(kolmogorov_sf(float(x)) - float(kolmogorov(x))) < 1e-12, x
    for dof in [1, 2, 3, 4, 9, 10, 49, 50, 199, 200, 999]:
        for x in np.linspace(0.0, 3 * dof + 30, 120):
            expected = float(chdtrc(dof, x))
            got = chi2_sf(float(x), dof)
            assert abs(got - expected) <= 1e-12 + 1e-9 * expected, (dof, x)
