"""The analysis entry points: `analyze_matrix` for any score matrix, `analyze_results` for the workflow's runs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..records import write_json
from .bootstrap import bootstrap_all
from .heatmap import plot_gain_heatmap
from .markdown import (
    baselines_markdown,
    gain_matrix_markdown,
    provenance_markdown,
    score_matrix_markdown,
    seeds_markdown,
    significance_markdown,
    stability_markdown,
    summary_markdown,
    synergy_markdown,
    ten_task_markdown,
)
from .matrices import CSV_FLOAT_FORMAT, gain_matrix, single_scores, undefined_gain_tasks, write_matrix_csv
from .results import collect_results, read_baselines, seed_table
from .stability import stability_table, ten_task_table
from .synergy import UNDEFINED_LABEL, gain_summary, type_synergy_table

LOGGER = logging.getLogger("wenyan_mtl.analysis")

NO_SIGNIFICANCE_NOTE = (
    "No significance test was run: without per-item statistics (item_scores.jsonl) the gains cannot be "
    "bootstrapped, so the table and heatmap carry no significance marks."
)


@dataclass
class Tables:
    """The tables derived from one score matrix."""

    scores: pd.DataFrame
    gains: pd.DataFrame
    stability: pd.DataFrame
    ten_task: pd.DataFrame | None
    synergy: pd.DataFrame
    summary: dict


@dataclass
class OutputPaths:
    """Output file paths; a None path skips that output."""

    gain: Path
    stability: Path
    synergy: Path
    summary: Path
    heatmap: Path
    heatmap_pdf: Path
    markdown: Path
    scores: Path | None = None
    ten_task: Path | None = None
    significance: Path | None = None
    seeds: Path | None = None
    provenance: Path | None = None
    table_markdown_dir: Path | None = None

    @classmethod
    def in_directory(cls, directory) -> "OutputPaths":
        """Return the file names of the `analyze` command in `directory`."""
        directory = Path(directory)
        return cls(
            gain=directory / "gain_matrix.csv",
            stability=directory / "stability.csv",
            synergy=directory / "type_synergy.csv",
            summary=directory / "summary.json",
            heatmap=directory / "heatmap.png",
            heatmap_pdf=directory / "heatmap.pdf",
            markdown=directory / "report.md",
            ten_task=directory / "ten_task.csv",
            significance=directory / "significance.csv",
            table_markdown_dir=directory,
        )


def compute_tables(scores: pd.DataFrame, ten_task: pd.Series | None = None) -> Tables:
    """Derive gain, stability, ten-task and synergy tables from a score matrix.

    The summary lists under `undefined_tasks` the tasks whose single-task score is
    0 or missing, and a warning names them, because all their gains are undefined.
    """
    gains = gain_matrix(scores)
    summary = gain_summary(gains)
    summary["undefined_tasks"] = undefined_gain_tasks(scores)
    if summary["undefined_tasks"]:
        LOGGER.warning("%s", undefined_gains_note(summary))
    return Tables(
        scores=scores,
        gains=gains,
        stability=stability_table(scores),
        ten_task=None if ten_task is None else ten_task_table(scores, ten_task),
        synergy=type_synergy_table(gains),
        summary=summary,
    )


def undefined_gains_note(summary: dict) -> str:
    """Describe which tasks have a single-task score of 0 or missing and what that does to their gains."""
    return (
        f"The single-task score is 0 or missing for {', '.join(summary['undefined_tasks'])}, so every gain with "
        f"that main task is undefined ({summary['undefined']} of {summary['total']} gains in all): empty cells in "
        f"gain_matrix.csv, {UNDEFINED_LABEL} in the tables and the heatmap, counted as undefined (not as positive, "
        "zero or negative) and skipped by the bootstrap."
    )


def _write_csv(frame: pd.DataFrame, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, na_rep="")


def _significance_matrix(gains: pd.DataFrame, significance: pd.DataFrame) -> pd.DataFrame:
    marks = pd.DataFrame(False, index=gains.index, columns=gains.columns)
    for row in significance.itertuples(index=False):
        marks.at[row.main, row.auxiliary] = bool(row.significant)
    return marks


def write_outputs(
    tables: Tables,
    paths: OutputPaths,
    significance: pd.DataFrame | None = None,
    sd: pd.DataFrame | None = None,
    extra_sections: list[tuple[str, str]] | None = None,
    notes: list[str] | None = None,
) -> None:
    """Write the CSV tables, summary.json, the heatmap and the Markdown report."""
    write_matrix_csv(tables.gains, paths.gain)
    if paths.scores is not None:
        write_matrix_csv(tables.scores, paths.scores)
    _write_csv(tables.stability, paths.stability)
    _write_csv(tables.synergy, paths.synergy)
    if tables.ten_task is not None and paths.ten_task is not None:
        _write_csv(tables.ten_task, paths.ten_task)
    if significance is not None and paths.significance is not None:
        _write_csv(significance, paths.significance)

    summary = dict(tables.summary)
    summary["significance_tested"] = significance is not None
    if significance is not None:
        summary["significant"] = int(significance["significant"].sum())
        summary["resamples"] = int(significance["resamples"].max()) if len(significance) else 0
    write_json(paths.summary, summary)

    marks = None if significance is None else _significance_matrix(tables.gains, significance)
    plot_gain_heatmap(tables.gains, paths.heatmap, paths.heatmap_pdf, marks)

    table_markdown = {
        "score_matrix.md": score_matrix_markdown(tables.scores, sd),
        "gain_matrix.md": gain_matrix_markdown(tables.gains, marks),
        "type_synergy.md": synergy_markdown(tables.synergy),
        "stability.md": stability_markdown(tables.stability),
    }
    if tables.ten_task is not None:
        table_markdown["ten_task.md"] = ten_task_markdown(tables.ten_task)
    if significance is not None:
        table_markdown["significance.md"] = significance_markdown(significance)
    if paths.table_markdown_dir is not None:
        for name, text in table_markdown.items():
            (Path(paths.table_markdown_dir) / name).write_text(text, encoding="utf-8")

    gain_title = "Gain rates (%): (dual − single) / single × 100"
    if marks is not None:
        gain_title += "; * significant after BH"
    sections = [
        ("Score matrix (row: main task, column: auxiliary task, diagonal: single-task run)",
         table_markdown["score_matrix.md"]),
        (gain_title, table_markdown["gain_matrix.md"]),
        ("Gain counts", summary_markdown(tables.summary)),
        ("Task-type synergy", table_markdown["type_synergy.md"]),
        ("Stability (σ = sqrt(mean((dual − single)²)) over the dual runs)", table_markdown["stability.md"]),
    ]
    if "ten_task.md" in table_markdown:
        sections.append(("Ten-task run against single-task runs", table_markdown["ten_task.md"]))
    if "significance.md" in table_markdown:
        sections.append(("Paired bootstrap over test items, Benjamini-Hochberg corrected", table_markdown["significance.md"]))
    sections += extra_sections or []

    lines = ["# Task gain analysis", ""]
    for note in notes or []:
        lines += [f"> NOTE: {note}", ""]
    for title, body in sections:
        lines += [f"## {title}", "", body]
    Path(paths.markdown).parent.mkdir(parents=True, exist_ok=True)
    Path(paths.markdown).write_text("\n".join(lines), encoding="utf-8")


def analyze_matrix(scores: pd.DataFrame, out_dir, ten_task: pd.Series | None = None) -> Tables:
    """Analyse a score matrix without per-item statistics (a published table, say) into `out_dir`."""
    tables = compute_tables(scores, ten_task)
    notes = [NO_SIGNIFICANCE_NOTE]
    if tables.summary["undefined_tasks"]:
        notes.append(undefined_gains_note(tables.summary))
    if ten_task is None:
        notes.append("No ten-task scores were given, so ten_task.csv is not written.")
    write_outputs(tables, OutputPaths.in_directory(out_dir), notes=notes)
    LOGGER.info(
        "analysed %d tasks: %d positive, %d zero, %d negative, %d undefined gains of %d; %s",
        len(scores), tables.summary["positive"], tables.summary["zero"], tables.summary["negative"],
        tables.summary["undefined"], tables.summary["total"], NO_SIGNIFICANCE_NOTE,
    )
    return tables


def analyze_results(
    score_paths,
    item_paths,
    baseline_paths,
    tasks,
    seeds,
    analysis_config: dict,
    paths: OutputPaths,
) -> Tables:
    """Analyse the workflow's runs: seed means, the paired bootstrap, baselines and provenance."""
    results = collect_results(score_paths, item_paths, tasks, seeds)
    LOGGER.info("read scores of %d runs × %d seeds for %d tasks", len(score_paths) // max(len(seeds), 1), len(seeds), len(results.tasks))
    scores = results.mean_matrix()
    tables = compute_tables(scores, results.mean_ten_task())

    significance = None
    notes = []
    if tables.summary["undefined_tasks"]:
        notes.append(undefined_gains_note(tables.summary))
    if results.item_stats:
        significance = bootstrap_all(
            results.item_stats,
            tables.gains,
            resamples=int(analysis_config.get("bootstrap_resamples", 1000)),
            seed=int(analysis_config.get("bootstrap_seed", 7)),
            alpha=float(analysis_config.get("fdr_alpha", 0.05)),
        )
        LOGGER.info(
            "bootstrap: %d of %d gains significant after BH, %d not tested",
            int(significance["significant"].sum()), len(significance), int(significance["p_value"].isna().sum()),
        )
    else:
        notes.append(NO_SIGNIFICANCE_NOTE)
    if len(results.seeds) > 1:
        notes.append(f"Scores are means over {len(results.seeds)} seeds ({', '.join(results.seeds)}); cells read mean ± sd.")

    seeds_frame = seed_table(results)
    baselines = read_baselines(baseline_paths)
    if paths.seeds is not None:
        _write_csv(seeds_frame, paths.seeds)
    if paths.provenance is not None:
        _write_csv(results.provenance, paths.provenance)

    extra = [
        ("Seeds: score mean ± sd and gain sign agreement", seeds_markdown(seeds_frame)),
        ("Baselines next to the single-task runs", baselines_markdown(single_scores(scores), baselines)),
        ("Provenance of every score", provenance_markdown(results.provenance)),
    ]
    write_outputs(tables, paths, significance=significance, sd=results.sd_matrix(), extra_sections=extra, notes=notes)
    return tables


def summary_text(tables: Tables) -> str:
    """Return a one-line account of the gain counts, for the command's output."""
    return json.dumps({key: tables.summary[key] for key in ("positive", "zero", "negative", "undefined", "total")})
