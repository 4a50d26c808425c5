"""Per-item metric statistics and the corpus scores computed from them, one sample at a time or vectorised.

Every scorer writes, per test item, the sufficient statistics of its metric
(item_scores.jsonl lines `{"task", "id", "metric", "stats"}`), and the corpus
score of any sample of items is an aggregate of the summed statistics. Three
shapes of statistics are recognised by their keys and aggregated with numpy
over many resamples at once:

- F1: `{tp, fp, fn}` -> 200·tp / (2·tp + fp + fn), and 100 when the denominator is 0
  (nothing to find and nothing predicted), as `wenyan_mtl.metrics.common.f1_score` does;
- BLEU: `{correct[N], total[N], sys_len, ref_len}` -> sacrebleu's corpus BLEU with
  `smooth_method="exp"` (sacrebleu 2.6 `BLEU.compute_bleu`);
- mean: `{score, …}` -> the mean of the item scores.

Statistics of any other shape go through `wenyan_mtl.metrics.aggregate` one
resample at a time, which is slower but exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..records import InputError, iter_jsonl

LOGGER = logging.getLogger("wenyan_mtl.analysis")

F1_KEYS = ("tp", "fp", "fn")
BLEU_KEYS = ("correct", "total", "sys_len", "ref_len")
MEAN_KEYS = ("score",)
GENERIC = "generic"

# sacrebleu's log of a zero precision: it makes the BLEU score exactly 0.
_BLEU_LOG_ZERO = -9999999999.0


@dataclass
class ItemStats:
    """The per-item statistics of one task in one run and seed, in item order.

    `matrix` contains one row of numbers per item for the vectorised kinds (F1,
    BLEU, mean) and is None for the generic kind, which keeps only `raw`.
    """

    source: str
    task: str
    metric: str
    kind: str
    ids: list[str]
    raw: list[dict]
    matrix: np.ndarray | None

    def reordered(self, ids: list[str]) -> "ItemStats":
        """Return the same statistics in the item order `ids`, which must be the same set of ids."""
        if len(ids) != len(self.ids) or set(ids) != set(self.ids):
            missing = sorted(set(ids) - set(self.ids))[:5]
            extra = sorted(set(self.ids) - set(ids))[:5]
            raise InputError(
                self.source, None, "id",
                f"task {self.task!r}: the scored items differ from the single-task run's "
                f"({len(self.ids)} vs {len(ids)} items; first missing ids {missing}, first extra ids {extra}); "
                "rerun the scoring so that every run scores the same test split",
            )
        position = {item_id: index for index, item_id in enumerate(self.ids)}
        order = [position[item_id] for item_id in ids]
        matrix = None if self.matrix is None else self.matrix[order]
        return ItemStats(self.source, self.task, self.metric, self.kind, list(ids), [self.raw[i] for i in order], matrix)


def stats_kind(stats: dict) -> str:
    """Classify a statistics dict by its keys as "f1", "bleu", "mean" or "generic"."""
    if all(key in stats for key in F1_KEYS):
        return "f1"
    if all(key in stats for key in BLEU_KEYS):
        return "bleu"
    if all(key in stats for key in MEAN_KEYS):
        return "mean"
    return GENERIC


def stats_row(kind: str, stats: dict) -> list[float]:
    """Flatten one item's statistics into the numeric row that the vectorised aggregation sums."""
    if kind == "f1":
        return [float(stats[key]) for key in F1_KEYS]
    if kind == "bleu":
        return [float(x) for x in stats["correct"]] + [float(x) for x in stats["total"]] + [
            float(stats["sys_len"]), float(stats["ref_len"])
        ]
    if kind == "mean":
        return [float(stats["score"]), 1.0]
    raise ValueError(f"statistics of kind {kind!r} have no numeric row")


def scores_from_sums(kind: str, sums: np.ndarray) -> np.ndarray:
    """Compute corpus scores from summed statistic rows, one score per row of `sums`."""
    sums = np.atleast_2d(np.asarray(sums, dtype=float))
    if kind == "f1":
        tp, fp, fn = sums[:, 0], sums[:, 1], sums[:, 2]
        denominator = 2 * tp + fp + fn
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, 200.0 * tp / denominator, 100.0)
    if kind == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(sums[:, 1] > 0, sums[:, 0] / sums[:, 1], 0.0)
    if kind == "bleu":
        return _bleu_from_sums(sums)
    raise ValueError(f"statistics of kind {kind!r} cannot be aggregated with numpy")


def _bleu_from_sums(sums: np.ndarray) -> np.ndarray:
    """Vectorise sacrebleu 2.6 `BLEU.compute_bleu(smooth_method="exp", effective_order=False)`."""
    orders = (sums.shape[1] - 2) // 2
    correct = sums[:, :orders]
    total = sums[:, orders:2 * orders]
    sys_len = sums[:, 2 * orders]
    ref_len = sums[:, 2 * orders + 1]

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        brevity = np.where(sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / sys_len), 0.0), 1.0)
        # An order with no correct n-gram gets 100 / (2^k · total), k counting such orders so far.
        zero_correct = correct == 0
        smoothing = np.power(2.0, np.cumsum(zero_correct, axis=1))
        precision = np.where(zero_correct, 100.0 / (smoothing * total), 100.0 * correct / total)
        log_precision = np.where(precision > 0, np.log(precision), _BLEU_LOG_ZERO)
        score = brevity * np.exp(log_precision.sum(axis=1) / orders)

    # sacrebleu returns 0 when nothing matches, and an order with no n-grams at all
    # leaves its precision at 0, which makes the score 0 too.
    undefined = ~(correct > 0).any(axis=1) | (total <= 0).any(axis=1)
    return np.where(undefined, 0.0, score)


def fallback_aggregate(metric: str, stats_list: list[dict]) -> float:
    """Aggregate statistics of a recognised shape; used when `wenyan_mtl.metrics` is not installed."""
    if not stats_list:
        raise ValueError(f"metric {metric!r}: no items to aggregate")
    kind = stats_kind(stats_list[0])
    if kind == GENERIC:
        raise ValueError(f"metric {metric!r}: statistics with keys {sorted(stats_list[0])} are not a known shape")
    rows = np.array([stats_row(kind, stats) for stats in stats_list])
    return float(scores_from_sums(kind, rows.sum(axis=0))[0])


def aggregate(metric: str, stats_list: list[dict]) -> float:
    """Return the corpus score of `stats_list` through `wenyan_mtl.metrics.aggregate` when it exists."""
    try:
        from ..metrics import aggregate as metrics_aggregate
    except ImportError:
        return fallback_aggregate(metric, stats_list)
    return float(metrics_aggregate(metric, stats_list))


def read_item_scores(path) -> dict[str, ItemStats]:
    """Read item_scores.jsonl into one ItemStats per task, checking every line's fields.

    A task's items must share one metric and one shape of statistics, and an id
    may appear once per task. Any other input raises InputError with the line.
    """
    collected: dict[str, dict] = {}
    for line, obj in iter_jsonl(path):
        if not isinstance(obj, dict):
            raise InputError(path, line, None, f"expected a JSON object, got {type(obj).__name__}")
        for name in ("task", "id", "metric"):
            if not isinstance(obj.get(name), str):
                raise InputError(path, line, name, "missing field or not a string")
        stats = obj.get("stats")
        if not isinstance(stats, dict):
            raise InputError(path, line, "stats", "missing field or not a JSON object")

        task = obj["task"]
        kind = stats_kind(stats)
        entry = collected.setdefault(task, {"metric": obj["metric"], "kind": kind, "ids": [], "raw": [], "seen": set()})
        if obj["metric"] != entry["metric"]:
            raise InputError(path, line, "metric", f"task {task!r} mixes metrics {entry['metric']!r} and {obj['metric']!r}")
        if kind != entry["kind"]:
            raise InputError(path, line, "stats", f"task {task!r} mixes statistics of kinds {entry['kind']!r} and {kind!r}")
        if obj["id"] in entry["seen"]:
            raise InputError(path, line, "id", f"item {obj['id']!r} of task {task!r} appears twice")
        if kind != GENERIC:
            try:
                row = stats_row(kind, stats)
            except (TypeError, ValueError) as error:
                raise InputError(path, line, "stats", f"non-numeric statistics: {error}") from None
            # json.loads accepts NaN and Infinity, which would make every resampled score NaN.
            if not all(np.isfinite(row)):
                raise InputError(path, line, "stats", f"statistics must be finite numbers, got {stats}")
        entry["seen"].add(obj["id"])
        entry["ids"].append(obj["id"])
        entry["raw"].append(stats)

    result = {}
    for task, entry in collected.items():
        matrix = None
        if entry["kind"] != GENERIC:
            rows = [stats_row(entry["kind"], stats) for stats in entry["raw"]]
            if len({len(row) for row in rows}) > 1:
                raise InputError(path, None, "stats", f"task {task!r}: the BLEU n-gram orders differ between items")
            matrix = np.array(rows, dtype=float)
        result[task] = ItemStats(str(path), task, entry["metric"], entry["kind"], entry["ids"], entry["raw"], matrix)
    return result
