"""Task metrics: one headline score (0-100) per task, with per-item sufficient statistics.

`score_task` scores the predictions of one task with the catalogue's metric and
returns the scores.json entry and one stats record per item. `aggregate`
recomputes the headline score from any subset or resample of those stats
(the bootstrap uses it), and `aggregate(metric, all stats)` is the score itself.

Per-item stats:
- F1 metrics (punctuation_f1, pos_f1, ner_f1, event_f1): `tp`, `fp`, `fn`, plus
  the counts of the secondary measure under a prefix (`position_`, `segment_`,
  `span_`, `trigger_`). Micro F1 = 200·tp / (2tp + fp + fn), and 100 when the
  denominator is 0 (no gold units and none predicted).
- bleu4: `correct` and `total` n-gram counts (n = 1..4), `sys_len`, `ref_len`.
- bertscore_f1, poetry_judge: `score`, the item's own 0-100 score; the
  headline score is their mean.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from tqdm import tqdm

from ..tasks import get_task
from . import bleu, event, ner, poetry_form, pos, punctuation
from .common import f1_score, mean_score, precision_recall_f1, sum_counts

log = logging.getLogger(__name__)

F1_MODULES = {
    punctuation.METRIC: punctuation,
    pos.METRIC: pos,
    ner.METRIC: ner,
    event.METRIC: event,
}
# Prefix of the secondary measure's counts in the item stats, and its name in details.
SECONDARY_MEASURES = {
    punctuation.METRIC: ("position_", "position_only"),
    pos.METRIC: ("segment_", "segmentation"),
    ner.METRIC: ("span_", "span_only"),
    event.METRIC: ("trigger_", "trigger_only"),
}
BLEU_METRIC = bleu.METRIC
BERTSCORE_METRIC = "bertscore_f1"
JUDGE_METRIC = "poetry_judge"
METRICS = (*F1_MODULES, BLEU_METRIC, BERTSCORE_METRIC, JUDGE_METRIC)
ITEM_FIELDS = ("id", "input", "reference", "prediction")


def aggregate(metric: str, stats: Sequence[Mapping]) -> float:
    """Recompute the 0-100 corpus score of `metric` from per-item stats."""
    if not stats:
        raise ValueError(f"aggregate({metric!r}): no item stats to aggregate")
    if metric in F1_MODULES:
        return f1_score(*sum_counts(stats))
    if metric == BLEU_METRIC:
        return float(bleu.corpus_bleu(stats).score)
    if metric in (BERTSCORE_METRIC, JUDGE_METRIC):
        return mean_score(stats)
    raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")


@dataclass
class TaskScore:
    """The scores.json entry of one task and the per-item stats behind it."""

    task: str
    metric: str
    score: float
    details: dict
    n_items: int
    malformed: int
    empty_predictions: int
    signature: str
    items: list[dict] = field(default_factory=list)

    def entry(self) -> dict:
        return {
            "metric": self.metric,
            "score": self.score,
            "details": self.details,
            "n_items": self.n_items,
            "malformed": self.malformed,
            "empty_predictions": self.empty_predictions,
            "signature": self.signature,
        }


class ScoringContext:
    """What scoring needs beyond the predictions: config, the BERTScore encoder and the judge.

    The encoder and the judge backend load on first use and at most once, so a
    job that scores three BERTScore tasks loads the encoder once, and a job
    without such tasks never loads it.
    """

    def __init__(self, evaluation: Mapping | None = None, encoder: str | None = None,
                 encoder_label: str | None = None, judge_cache_dir=None):
        self.evaluation = dict(evaluation or {})
        self.encoder = encoder
        self.encoder_label = encoder_label
        self.judge_cache_dir = judge_cache_dir
        self._bertscore = None
        self._judge = None
        self._judge_loaded = False

    def bertscore_encoder(self):
        if self._bertscore is None:
            from .bertscore import BertScoreEncoder

            settings = self.evaluation.get("bertscore") or {}
            model = settings.get("model") or self.encoder
            label = self.encoder_label if not settings.get("model") else None
            self._bertscore = BertScoreEncoder(
                model, num_layers=settings.get("num_layers"), batch_size=settings.get("batch_size", 32), label=label,
            )
        return self._bertscore

    def poem_judge(self):
        """Return the configured LLM judge, or None when the backend is 'none' (the form scorer)."""
        if not self._judge_loaded:
            from .judge import JudgmentCache, PoemJudge, make_backend

            settings = self.evaluation.get("judge") or {}
            backend = make_backend(settings)
            if backend is not None:
                cache = JudgmentCache(self.judge_cache_dir) if self.judge_cache_dir else None
                self._judge = PoemJudge(backend, cache, max_retries=settings.get("max_retries", 2))
                log.info("poetry judge: %s", self._judge.signature())
            self._judge_loaded = True
        return self._judge


def _check_items(task: str, items: Sequence[Mapping]) -> None:
    if not items:
        raise ValueError(f"task {task!r}: no items to score")
    seen = set()
    for number, item in enumerate(items, start=1):
        for name in ITEM_FIELDS:
            if not isinstance(item.get(name), str):
                raise ValueError(f"task {task!r}, item {number} (id {item.get('id')!r}): field {name!r} is missing or not a string")
        if item["id"] in seen:
            raise ValueError(f"task {task!r}: duplicate item id {item['id']!r}")
        seen.add(item["id"])


def score_task(task: str, items: Sequence[Mapping], context: ScoringContext | None = None) -> TaskScore:
    """Score one task's items (`id`, `input`, `reference`, `prediction`) with the catalogue's metric."""
    context = context or ScoringContext()
    metric = get_task(task).metric
    _check_items(task, items)
    empty = sum(1 for item in items if not item["prediction"].strip())

    if metric in F1_MODULES:
        stats, details, malformed, signature = _score_f1(metric, items)
    elif metric == BLEU_METRIC:
        stats, details, malformed, signature = _score_bleu(items)
    elif metric == BERTSCORE_METRIC:
        stats, details, malformed, signature = _score_bertscore(items, context)
    elif metric == JUDGE_METRIC:
        stats, details, malformed, signature = _score_poems(items, context)
    else:
        raise ValueError(f"task {task!r}: unknown metric {metric!r}; known: {', '.join(METRICS)}")

    score = aggregate(metric, stats)
    item_records = [
        {"task": task, "id": item["id"], "metric": metric, "stats": item_stats}
        for item, item_stats in zip(items, stats)
    ]
    log.info("task %s: %s = %.2f on %d items (%d malformed, %d empty predictions)",
             task, metric, score, len(items), malformed, empty)
    return TaskScore(task, metric, score, details, len(items), malformed, empty, signature, item_records)


def _score_f1(metric: str, items):
    module = F1_MODULES[metric]
    stats = []
    flag_counts: Counter = Counter()
    for item in tqdm(items, desc=metric, unit="item", disable=len(items) < 1000):
        item_stats, flags = module.item_stats(item["reference"], item["prediction"])
        stats.append(item_stats)
        flag_counts.update(name for name, value in flags.items() if value)
    details = precision_recall_f1(*sum_counts(stats))
    prefix, name = SECONDARY_MEASURES[metric]
    details[name] = precision_recall_f1(*sum_counts(stats, prefix))
    details["malformed_items"] = flag_counts["malformed"]
    if metric != event.METRIC:
        details["altered_text_items"] = flag_counts["altered_text"]
    return stats, details, flag_counts["malformed"], module.signature()


def _score_bleu(items):
    scorer = bleu.make_bleu()
    stats = [bleu.item_stats(item["reference"], item["prediction"], scorer) for item in items]
    result = bleu.corpus_bleu(stats)
    details = {
        "bleu": float(result.score),
        "precisions": [float(p) for p in result.precisions],
        "bp": float(result.bp),
        "ratio": float(result.sys_len / result.ref_len) if result.ref_len else 0.0,
        "sys_len": int(result.sys_len),
        "ref_len": int(result.ref_len),
        "counts": [int(c) for c in result.counts],
        "totals": [int(t) for t in result.totals],
        "tokenizer": bleu.TOKENIZER_NAME,
    }
    return stats, details, 0, bleu.signature()


def _score_bertscore(items, context: ScoringContext):
    encoder = context.bertscore_encoder()
    scores, counts = encoder.score([item["reference"] for item in items], [item["prediction"] for item in items])
    stats = [{"score": value} for value in scores]
    details = {"f1": mean_score(stats), "encoder": encoder.label, "num_layers": encoder.num_layers, **counts}
    if counts["predictions_over_max_length"] or counts["references_over_max_length"]:
        log.warning("BERTScore: %d predictions and %d references exceed the encoder's %d tokens and were truncated",
                    counts["predictions_over_max_length"], counts["references_over_max_length"], counts["max_length"])
    return stats, details, 0, encoder.signature()


def _score_poems(items, context: ScoringContext):
    judge = context.poem_judge()
    stats = []
    forms: Counter = Counter()
    part_sums: Counter = Counter()
    part_counts: Counter = Counter()
    unparseable = cached = 0
    for item in tqdm(items, desc="poetry_judge", unit="poem", disable=len(items) < 50):
        try:
            title, form = poetry_form.parse_request(item["input"])
        except ValueError as error:
            raise ValueError(f"poetry_generation item {item['id']!r}: {error}") from None
        forms[form.split("·")[0] if form.startswith(poetry_form.CI_PREFIX) else form] += 1
        if not item["prediction"].strip():
            stats.append({"score": 0.0})
            continue
        if judge is None:
            result = poetry_form.score_poem(form, item["prediction"], item["reference"])
            parts = {name: value for name, value in result.components.items() if value is not None}
            stats.append({"score": result.score, "components": parts})
        else:
            judgment = judge.judge(item["id"], title, form, item["prediction"])
            unparseable += not judgment.parsed
            cached += judgment.cached
            parts = _ratings_as_scores(judgment.ratings)
            stats.append({"score": judgment.score, "dimensions": parts})
        part_sums.update(parts)
        part_counts.update(parts.keys())

    means = {name: part_sums[name] / part_counts[name] for name in part_counts}
    if judge is None:
        details = {"judge": poetry_form.SCORER_NAME, "score": mean_score(stats), "components": means}
        signature = poetry_form.signature()
    else:
        details = {"judge": judge.backend.model_id, "score": mean_score(stats), "dimensions": means,
                   "unparseable": unparseable, "cached": cached}
        signature = judge.signature()
    details["forms"] = dict(forms)
    return stats, details, unparseable, signature


def _ratings_as_scores(ratings):
    from .judge import rating_to_score

    if ratings is None:
        return {}
    return {name: rating_to_score(value) for name, value in ratings.items()}
