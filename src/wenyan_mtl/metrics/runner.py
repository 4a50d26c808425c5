"""File-level entry points of the `score` and `baselines` rules."""

from __future__ import annotations

import logging
from collections import defaultdict

from ..records import InputError, iter_jsonl, read_records, write_json, write_jsonl
from ..tasks import canonical_order, get_task
from . import ScoringContext, score_task
from .baselines import score_baselines

log = logging.getLogger(__name__)

# Judge replies are cached here, relative to the workflow's working directory,
# so that every score job of a workflow shares one cache.
JUDGE_CACHE_DIR = "results/cache/judge"
PREDICTION_FIELDS = ("id", "task", "input", "reference", "prediction")


def make_context(evaluation: dict, encoder: str | None, judge_cache_dir=JUDGE_CACHE_DIR) -> ScoringContext:
    """Build the scoring context of one job; the label marks a merged CPT model encoder."""
    configured = ((evaluation or {}).get("bertscore") or {}).get("model")
    label = None if configured else f"cpt-merged:{encoder}"
    return ScoringContext(evaluation, encoder=encoder, encoder_label=label, judge_cache_dir=judge_cache_dir)


def read_predictions(path, tasks) -> dict[str, list[dict]]:
    """Read predictions.jsonl, grouped by task in catalogue order; every run task must have items."""
    expected = set(canonical_order(tasks))
    grouped: dict[str, list[dict]] = defaultdict(list)
    first_line: dict[tuple[str, str], int] = {}
    for number, obj in iter_jsonl(path):
        if not isinstance(obj, dict):
            raise InputError(path, number, None, f"expected a JSON object, got {type(obj).__name__}")
        for name in PREDICTION_FIELDS:
            if not isinstance(obj.get(name), str):
                raise InputError(path, number, name, "missing field or not a string")
        task = obj["task"]
        if task not in expected:
            raise InputError(path, number, "task", f"task {task!r} is not one of this run's tasks {sorted(expected)}")
        key = (task, obj["id"])
        if key in first_line:
            raise InputError(path, number, "id", f"duplicate id {obj['id']!r} of task {task!r} (first on line {first_line[key]})")
        first_line[key] = number
        grouped[task].append(obj)
    missing = expected - set(grouped)
    if missing:
        raise InputError(path, None, "task", f"no predictions for task(s) {sorted(missing)}")
    return {task: grouped[task] for task in canonical_order(expected)}


def score_run(predictions_path, tasks, evaluation: dict, encoder: str | None, run: str, seed: int,
              scores_path, items_path, judge_cache_dir=JUDGE_CACHE_DIR) -> dict:
    """Score every task of a run's predictions; write scores.json and item_scores.jsonl."""
    grouped = read_predictions(predictions_path, tasks)
    context = make_context(evaluation, encoder, judge_cache_dir)
    scores = {"run": run, "seed": seed, "tasks": {}}
    item_records = []
    for task, items in grouped.items():
        result = score_task(task, items, context)
        scores["tasks"][task] = result.entry()
        item_records.extend(result.items)
    write_json(scores_path, scores)
    written = write_jsonl(items_path, item_records)
    total = sum(len(items) for items in grouped.values())
    if written != total:
        raise AssertionError(f"run {run} seed {seed}: {total} predictions but {written} item scores written")
    log.info("run %s seed %s: scored %d items of %d tasks", run, seed, total, len(grouped))
    return scores


def run_baselines(task: str, train_path, test_path, evaluation: dict, encoder: str | None, output_path,
                  judge_cache_dir=JUDGE_CACHE_DIR) -> dict:
    """Score the baselines of one task on its test split and write baselines/{task}.json."""
    task = get_task(task).id
    train = read_records(train_path)
    test = read_records(test_path)
    context = make_context(evaluation, encoder, judge_cache_dir)
    result = score_baselines(task, train, test, context)
    write_json(output_path, result)
    return result
