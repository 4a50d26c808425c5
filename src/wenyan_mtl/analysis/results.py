"""Reading the workflow's results: per-run scores, per-item statistics, baselines and run manifests.

Run outputs live under results/runs/{run}/seed{seed}/; run ids come from
`wenyan_mtl.plan`. Pair run `a+b` gives the score of a in cell (a, b) and the
score of b in cell (b, a). The run `all` gives the ten-task scores.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..plan import ALL_TASKS_RUN, pair_run_id, single_run_id
from ..records import InputError
from ..tasks import canonical_order
from .item_stats import ItemStats, read_item_scores
from .synergy import gain_sign

PROVENANCE_COLUMNS = ["run", "seed", "task", "metric", "score", "n_items", "malformed", "empty_predictions", "signature"]
SEED_COLUMNS = [
    "main", "auxiliary", "n_seeds", "score_mean", "score_sd", "gain_mean", "gain_sd",
    "positive_seeds", "zero_seeds", "negative_seeds", "undefined_seeds", "sign_agreement",
]
SEED_COUNT_COLUMNS = ["positive_seeds", "zero_seeds", "negative_seeds", "undefined_seeds"]


def run_and_seed(path) -> tuple[str, str]:
    """Return (run, seed) from a path results/runs/{run}/seed{seed}/<file>."""
    path = Path(path)
    folder = path.parent.name
    if not folder.startswith("seed") or not folder[4:].isdigit():
        raise InputError(path, None, None, "expected a path of the form results/runs/{run}/seed{seed}/<file>")
    return path.parent.parent.name, folder[4:]


def read_scores_json(path) -> dict:
    """Read a run's scores.json and check its run, seed and per-task fields."""
    path = Path(path)
    run, seed = run_and_seed(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg}") from None
    if not isinstance(document, dict) or not isinstance(document.get("tasks"), dict):
        raise InputError(path, None, "tasks", "expected an object with a `tasks` object")
    if "run" in document and str(document["run"]) != run:
        raise InputError(path, None, "run", f"field run is {document['run']!r} but the file is under results/runs/{run}/; move the file or fix the field")
    if "seed" in document and str(document["seed"]) != seed:
        raise InputError(path, None, "seed", f"field seed is {document['seed']!r} but the file is under seed{seed}/; move the file or fix the field")
    for task, entry in document["tasks"].items():
        if not isinstance(entry, dict):
            raise InputError(path, None, f"tasks.{task}", "expected an object")
        score = entry.get("score")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise InputError(path, None, f"tasks.{task}.score", f"expected a finite number, got {score!r}")
        if not isinstance(entry.get("metric"), str):
            raise InputError(path, None, f"tasks.{task}.metric", "missing field or not a string")
    return {"run": run, "seed": seed, "path": str(path), "tasks": document["tasks"]}


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value, ensure_ascii=False)
    else:
        out[prefix] = value


def read_manifest(path) -> dict:
    """Read a run manifest into flat `manifest.<dotted key>` columns; a missing file gives no columns."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg}") from None
    flat: dict = {}
    _flatten("manifest", document, flat)
    return flat


def read_baselines(paths) -> pd.DataFrame:
    """Read results/baselines/{task}.json files into rows (task, baseline, metric, score)."""
    rows = []
    for path in paths:
        path = Path(path)
        with open(path, encoding="utf-8") as handle:
            try:
                document = json.load(handle)
            except json.JSONDecodeError as error:
                raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg}") from None
        if not isinstance(document, dict):
            raise InputError(path, None, None, "expected an object {baseline name: {metric, score, …}}")
        for name, entry in document.items():
            score = entry.get("score") if isinstance(entry, dict) else None
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
                raise InputError(path, None, f"{name}.score", f"expected a finite number, got {score!r}")
            rows.append({"task": path.stem, "baseline": name, "metric": entry.get("metric", ""), "score": float(score)})
    return pd.DataFrame(rows, columns=["task", "baseline", "metric", "score"])


@dataclass
class Results:
    """Everything the analysis reads from the runs, per seed."""

    tasks: list[str]
    seeds: list[str]
    matrices: dict[str, pd.DataFrame]
    ten_task: dict[str, pd.Series]
    provenance: pd.DataFrame
    item_stats: dict[tuple[str, str], list[ItemStats]] = field(default_factory=dict)

    def mean_matrix(self) -> pd.DataFrame:
        return sum(self.matrices[seed] for seed in self.seeds) / len(self.seeds)

    def sd_matrix(self) -> pd.DataFrame | None:
        """Sample standard deviation (ddof = 1) of every cell over seeds; None for a single seed."""
        if len(self.seeds) < 2:
            return None
        stack = np.stack([self.matrices[seed].to_numpy() for seed in self.seeds])
        first = self.matrices[self.seeds[0]]
        return pd.DataFrame(stack.std(axis=0, ddof=1), index=first.index, columns=first.columns)

    def mean_ten_task(self) -> pd.Series:
        return sum(self.ten_task[seed] for seed in self.seeds) / len(self.seeds)


def _cell_run(main: str, auxiliary: str) -> str:
    return single_run_id(main) if main == auxiliary else pair_run_id(main, auxiliary)


def _task_score(document: dict, task: str) -> float:
    entry = document["tasks"].get(task)
    if entry is None:
        raise InputError(document["path"], None, f"tasks.{task}", f"run {document['run']!r} has no score for task {task!r}")
    return float(entry["score"])


def collect_results(score_paths, item_paths, tasks, seeds) -> Results:
    """Build the per-seed score matrices, ten-task scores, provenance and item statistics.

    Every run of the plan must have a scores.json for every seed; `item_paths`
    may be empty, and then no item statistics are loaded.
    """
    tasks = canonical_order(tasks)
    seeds = [str(seed) for seed in seeds]
    documents = {}
    for path in score_paths:
        document = read_scores_json(path)
        documents[(document["run"], document["seed"])] = document

    def document_for(run: str, seed: str) -> dict:
        if (run, seed) not in documents:
            raise FileNotFoundError(f"scores of run {run!r}, seed {seed} are missing: expected results/runs/{run}/seed{seed}/scores.json")
        return documents[(run, seed)]

    matrices, ten_task = {}, {}
    for seed in seeds:
        values = {
            main: {auxiliary: _task_score(document_for(_cell_run(main, auxiliary), seed), main) for auxiliary in tasks}
            for main in tasks
        }
        matrices[seed] = pd.DataFrame(values).T.loc[tasks, tasks]
        ten_task[seed] = pd.Series({task: _task_score(document_for(ALL_TASKS_RUN, seed), task) for task in tasks}).loc[tasks]

    provenance_rows = []
    for (run, seed), document in sorted(documents.items()):
        manifest = read_manifest(Path(document["path"]).parent / "manifest.json")
        for task, entry in document["tasks"].items():
            signature = entry.get("signature", "")
            provenance_rows.append({
                "run": run, "seed": seed, "task": task, "metric": entry["metric"], "score": float(entry["score"]),
                "n_items": entry.get("n_items"), "malformed": entry.get("malformed"),
                "empty_predictions": entry.get("empty_predictions"),
                "signature": signature if isinstance(signature, str) else json.dumps(signature, ensure_ascii=False),
                **manifest,
            })
    provenance = pd.DataFrame(provenance_rows)
    if provenance.empty:
        provenance = pd.DataFrame(columns=PROVENANCE_COLUMNS)

    item_stats = _collect_item_stats(item_paths, tasks, seeds) if item_paths else {}
    return Results(tasks, seeds, matrices, ten_task, provenance, item_stats)


def _collect_item_stats(item_paths, tasks, seeds) -> dict[tuple[str, str], list[ItemStats]]:
    by_run = {}
    for path in item_paths:
        run, seed = run_and_seed(path)
        by_run[(run, seed)] = read_item_scores(path)
    collected = {}
    for main in tasks:
        for auxiliary in tasks:
            run = _cell_run(main, auxiliary)
            per_seed = []
            for seed in seeds:
                if (run, seed) not in by_run:
                    raise FileNotFoundError(f"item statistics of run {run!r}, seed {seed} are missing: expected results/runs/{run}/seed{seed}/item_scores.jsonl")
                stats = by_run[(run, seed)].get(main)
                if stats is None:
                    raise InputError(f"results/runs/{run}/seed{seed}/item_scores.jsonl", None, "task", f"no items of task {main!r}")
                per_seed.append(stats)
            collected[(main, auxiliary)] = per_seed
    return collected


def seed_table(results: Results) -> pd.DataFrame:
    """Tabulate per cell the score mean ± sd over seeds, and the gain rate per seed with its sign agreement.

    Each seed's gain compares the dual run with the single-task run of the same
    seed, and is undefined (NaN) when that single-task score is 0. Undefined
    gains are counted in `undefined_seeds` and left out of everything else.
    `gain_mean` and `gain_sd` run over the seeds with a defined gain.
    `sign_agreement` is the share of those seeds whose gain has the sign of the
    gain of the seed means (zero as in the synergy counts). It is NaN when no
    seed has a defined gain or when the gain of the seed means is undefined.
    The ten-task run appears with auxiliary `all`.
    """
    rows = []
    columns = list(results.tasks) + [ALL_TASKS_RUN]
    for main in results.tasks:
        singles = np.array([results.matrices[seed].at[main, main] for seed in results.seeds], dtype=float)
        for auxiliary in columns:
            if auxiliary == ALL_TASKS_RUN:
                scores = np.array([results.ten_task[seed][main] for seed in results.seeds], dtype=float)
            else:
                scores = np.array([results.matrices[seed].at[main, auxiliary] for seed in results.seeds], dtype=float)
            row = {
                "main": main, "auxiliary": auxiliary, "n_seeds": len(scores),
                "score_mean": float(scores.mean()),
                "score_sd": float(scores.std(ddof=1)) if len(scores) > 1 else math.nan,
                "gain_mean": math.nan, "gain_sd": math.nan, "positive_seeds": None, "zero_seeds": None,
                "negative_seeds": None, "undefined_seeds": None, "sign_agreement": math.nan,
            }
            if auxiliary != main:
                row.update(_seed_gains(scores, singles))
            rows.append(row)
    table = pd.DataFrame(rows, columns=SEED_COLUMNS)
    # Nullable integers, so the diagonal's missing counts stay empty and the others print as integers.
    return table.astype({column: "Int64" for column in SEED_COUNT_COLUMNS})


def _seed_gains(scores: np.ndarray, singles: np.ndarray) -> dict:
    defined = np.isfinite(singles) & (singles != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gains = np.where(defined, (scores - singles) / np.where(defined, singles, 1.0) * 100.0, np.nan)
    signs = [gain_sign(float(gain)) for gain in gains]
    defined_gains = gains[np.isfinite(gains)]
    mean_single = float(singles.mean())
    overall = None
    if math.isfinite(mean_single) and mean_single != 0:
        overall = gain_sign((float(scores.mean()) - mean_single) / mean_single * 100.0)
    return {
        "gain_mean": float(defined_gains.mean()) if defined_gains.size else math.nan,
        "gain_sd": float(defined_gains.std(ddof=1)) if defined_gains.size > 1 else math.nan,
        "positive_seeds": signs.count(1),
        "zero_seeds": signs.count(0),
        "negative_seeds": signs.count(-1),
        "undefined_seeds": signs.count(None),
        "sign_agreement": (
            signs.count(overall) / defined_gains.size if overall is not None and defined_gains.size else math.nan
        ),
    }
