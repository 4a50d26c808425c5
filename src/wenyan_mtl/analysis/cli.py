"""The `wenyan-mtl analyze` subcommand: analyse any score matrix, such as a published one."""

from __future__ import annotations

import argparse
import logging

from ..logutil import setup_logging
from .matrices import read_score_matrix, read_task_scores
from .pipeline import NO_SIGNIFICANCE_NOTE, analyze_matrix, summary_text, undefined_gains_note


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the `analyze` subcommand to the `wenyan-mtl` parser."""
    parser = subparsers.add_parser(
        "analyze",
        help="gain, stability and synergy tables and the heatmap from a score matrix",
        description=(
            "Analyse a score matrix: row = main task, column = auxiliary task, diagonal = single-task run. "
            "Tasks may be named by id, Chinese display name or the study's short names (NER, 历史人物)."
        ),
    )
    parser.add_argument("--matrix", required=True, help="CSV with header `task,<tasks…>` and one row per main task")
    parser.add_argument("--ten-task", dest="ten_task", help="CSV `task,score` with the all-task run's scores (optional)")
    parser.add_argument("--out", required=True, help="output directory; created if missing")
    parser.set_defaults(func=run_analyze)
    return parser


def run_analyze(args: argparse.Namespace) -> int:
    """Run the analysis of `args.matrix` (and `args.ten_task`) into `args.out`."""
    setup_logging()
    logger = logging.getLogger("wenyan_mtl.analysis")
    scores = read_score_matrix(args.matrix)
    ten_task = read_task_scores(args.ten_task) if args.ten_task else None
    tables = analyze_matrix(scores, args.out, ten_task)
    logger.info("wrote the analysis of %s to %s", args.matrix, args.out)
    print(f"gains: {summary_text(tables)}")
    if tables.summary["undefined_tasks"]:
        print(undefined_gains_note(tables.summary))
    print(NO_SIGNIFICANCE_NOTE)
    return 0
