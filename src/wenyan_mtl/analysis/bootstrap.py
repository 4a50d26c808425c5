"""Paired bootstrap over test items for every directed gain, with Benjamini-Hochberg correction.

For a main task, one set of resamples of its test items (drawn with replacement,
items aligned by id) is applied to the single-task run and to every dual run,
so each resample compares the runs on the same items. With several seeds, the
score of a run in a resample is the mean over seeds of the per-seed corpus
scores on that sample. The interval is therefore over test items and does not
cover seed-to-seed variance. The bootstrap gain distribution gives a percentile
95% interval and a two-sided p-value, p = min(1, 2·min(P(gain ≤ 0), P(gain ≥ 0)))
where both counts get +1 so that a finite number of resamples never gives p = 0.

An undefined gain (the single-task score of its main task is 0 or missing) is
not resampled. Its row in the table has NaN interval, p- and q-values, 0
resamples and an `untested_reason`, and it is left out of the Benjamini-Hochberg
correction, so it does not change the q-values of the other gains.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from tqdm import tqdm

from .item_stats import GENERIC, ItemStats, aggregate, scores_from_sums

LOGGER = logging.getLogger("wenyan_mtl.analysis")

SIGNIFICANCE_COLUMNS = [
    "main", "auxiliary", "gain", "ci_low", "ci_high", "p_value", "q_value", "significant", "n_items", "resamples",
    "untested_reason",
]
UNDEFINED_GAIN_REASON = "single-task score is 0 or missing, so the gain rate is undefined"
ZERO_RESAMPLES_REASON = "every resample has a single-task score of 0, so no resampled gain rate is defined"
# Resamples per batch: bounds the memory of the (batch × items) count matrix.
BATCH_SIZE = 100
# Largest difference, in score points, accepted between the vectorised aggregation
# and wenyan_mtl.metrics.aggregate on the full test set.
AGGREGATE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GainTest:
    """The bootstrap result of one directed gain (main task, auxiliary task)."""

    main: str
    auxiliary: str
    gain: float
    ci_low: float
    ci_high: float
    p_value: float
    n_items: int
    resamples: int
    untested_reason: str = ""


def benjamini_hochberg(p_values) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (q-values), in the input order.

    q_(i) = min over j ≥ i of m·p_(j)/j for the p-values sorted ascending, capped at 1;
    a test is significant at false discovery rate alpha when q ≤ alpha. Raises
    ValueError on NaN, which would otherwise turn every q-value into NaN: drop
    untested gains before the correction.
    """
    p = np.asarray(p_values, dtype=float)
    if not np.isfinite(p).all():
        bad = p[~np.isfinite(p)].tolist()
        raise ValueError(
            f"p-values must be finite numbers, but {len(bad)} of {p.size} are not: {bad}. "
            "Drop the untested gains before the correction."
        )
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def two_sided_p_value(gains: np.ndarray) -> float:
    """Return the two-sided bootstrap p-value of H0: gain = 0 from the resampled gains."""
    gains = gains[np.isfinite(gains)]
    resamples = gains.size
    if resamples == 0:
        return float("nan")
    at_most_zero = (np.count_nonzero(gains <= 0) + 1) / (resamples + 1)
    at_least_zero = (np.count_nonzero(gains >= 0) + 1) / (resamples + 1)
    return float(min(1.0, 2.0 * min(at_most_zero, at_least_zero)))


def _task_rng(seed: int, task: str) -> np.random.Generator:
    # One stream per task, so a task's resamples do not change when other tasks are added.
    return np.random.default_rng([seed, zlib.crc32(task.encode("utf-8"))])


def _can_vectorise(stats: ItemStats) -> bool:
    """Check that the numpy aggregation reproduces the metric's own aggregate on the full test set."""
    if stats.kind == GENERIC:
        return False
    fast = float(scores_from_sums(stats.kind, stats.matrix.sum(axis=0))[0])
    exact = aggregate(stats.metric, stats.raw)
    if abs(fast - exact) > AGGREGATE_TOLERANCE:
        LOGGER.warning(
            "%s, task %s: the vectorised %s aggregation gives %.6f but metric %s gives %.6f; "
            "resampling through the metric's aggregate instead (slower)",
            stats.source, stats.task, stats.kind, fast, stats.metric, exact,
        )
        return False
    return True


class _Scorer:
    """Corpus scores of one run (one ItemStats per seed) on batches of resampled items."""

    def __init__(self, seeds: list[ItemStats]):
        self.seeds = seeds
        self.vectorised = [_can_vectorise(stats) for stats in seeds]

    def score(self, indices: np.ndarray, counts: np.ndarray) -> np.ndarray:
        per_seed = []
        for stats, vectorised in zip(self.seeds, self.vectorised):
            if vectorised:
                per_seed.append(scores_from_sums(stats.kind, counts @ stats.matrix))
            else:
                per_seed.append(np.array([aggregate(stats.metric, [stats.raw[i] for i in row]) for row in indices]))
        return np.mean(per_seed, axis=0)


def bootstrap_main_task(
    main: str,
    single: list[ItemStats],
    duals: dict[str, list[ItemStats]],
    observed: dict[str, float],
    resamples: int,
    seed: int,
) -> list[GainTest]:
    """Bootstrap the gains of `main` from each auxiliary task in `duals`.

    `single` and each entry of `duals` hold one ItemStats per seed; `observed`
    maps each auxiliary task to the gain reported in the gain matrix.
    """
    reference_ids = single[0].ids
    single = [stats.reordered(reference_ids) for stats in single]
    duals = {auxiliary: [stats.reordered(reference_ids) for stats in runs] for auxiliary, runs in duals.items()}
    n_items = len(reference_ids)
    if n_items == 0:
        raise ValueError(f"task {main!r}: no scored test items to resample")

    single_scorer = _Scorer(single)
    dual_scorers = {auxiliary: _Scorer(runs) for auxiliary, runs in duals.items()}
    gains = {auxiliary: [] for auxiliary in duals}
    rng = _task_rng(seed, main)
    done = 0
    while done < resamples:
        batch = min(BATCH_SIZE, resamples - done)
        indices = rng.integers(0, n_items, size=(batch, n_items))
        offsets = (indices + np.arange(batch)[:, None] * n_items).ravel()
        counts = np.bincount(offsets, minlength=batch * n_items).reshape(batch, n_items).astype(float)
        base = single_scorer.score(indices, counts)
        for auxiliary, scorer in dual_scorers.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                gains[auxiliary].append((scorer.score(indices, counts) - base) / base * 100.0)
        done += batch

    results = []
    for auxiliary, batches in gains.items():
        sample = np.concatenate(batches)
        finite = sample[np.isfinite(sample)]
        if finite.size < sample.size:
            LOGGER.warning(
                "task %s + %s: %d of %d resamples have a single-task score of 0 and no gain rate",
                main, auxiliary, sample.size - finite.size, sample.size,
            )
        low, high = np.percentile(finite, [2.5, 97.5]) if finite.size else (np.nan, np.nan)
        results.append(GainTest(
            main=main,
            auxiliary=auxiliary,
            gain=float(observed[auxiliary]),
            ci_low=float(low),
            ci_high=float(high),
            p_value=two_sided_p_value(sample),
            n_items=n_items,
            resamples=int(finite.size),
            untested_reason="" if finite.size else ZERO_RESAMPLES_REASON,
        ))
    return results


def _untested(main: str, auxiliary: str, n_items: int) -> GainTest:
    return GainTest(
        main=main, auxiliary=auxiliary, gain=float("nan"), ci_low=float("nan"), ci_high=float("nan"),
        p_value=float("nan"), n_items=n_items, resamples=0, untested_reason=UNDEFINED_GAIN_REASON,
    )


def bootstrap_all(
    item_stats: dict[tuple[str, str], list[ItemStats]],
    gains,
    resamples: int,
    seed: int,
    alpha: float,
) -> pd.DataFrame:
    """Run the paired bootstrap for every off-diagonal cell of `gains` and correct with Benjamini-Hochberg.

    `item_stats[(main, auxiliary)]` contains the per-seed ItemStats of task `main`
    in the run that trained on main and auxiliary; (main, main) is the
    single-task run. Undefined (NaN) gains are not resampled. Returns a
    DataFrame with SIGNIFICANCE_COLUMNS, one row per off-diagonal cell in
    row-major order.
    """
    tests: list[GainTest] = []
    for main in tqdm(list(gains.index), desc="bootstrap", unit="task"):
        auxiliaries = [auxiliary for auxiliary in gains.columns if auxiliary != main]
        defined = [auxiliary for auxiliary in auxiliaries if np.isfinite(gains.at[main, auxiliary])]
        if len(defined) < len(auxiliaries):
            LOGGER.warning(
                "bootstrap: task %s, %d of %d gains are undefined (single-task score 0 or missing); not resampled",
                main, len(auxiliaries) - len(defined), len(auxiliaries),
            )
        row_tests = {}
        if defined:
            LOGGER.info("bootstrap: task %s, %d auxiliary tasks, %d resamples", main, len(defined), resamples)
            for test in bootstrap_main_task(
                main,
                item_stats[(main, main)],
                {auxiliary: item_stats[(main, auxiliary)] for auxiliary in defined},
                {auxiliary: float(gains.at[main, auxiliary]) for auxiliary in defined},
                resamples,
                seed,
            ):
                row_tests[test.auxiliary] = test
        n_items = len(item_stats[(main, main)][0].ids) if auxiliaries else 0
        tests += [row_tests.get(auxiliary) or _untested(main, auxiliary, n_items) for auxiliary in auxiliaries]
    frame = pd.DataFrame([test.__dict__ for test in tests], columns=[field.name for field in fields(GainTest)])
    # Gains without a p-value (undefined, or no defined resample) are left out of the correction.
    p_values = frame["p_value"].to_numpy(dtype=float)
    tested = np.isfinite(p_values)
    q_values = np.full(p_values.shape, np.nan)
    q_values[tested] = benjamini_hochberg(p_values[tested])
    frame["q_value"] = q_values
    frame["significant"] = tested & (q_values <= alpha)
    return frame[SIGNIFICANCE_COLUMNS]
