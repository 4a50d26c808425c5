"""Snakemake adapter of the rule `analyze`: every table, the heatmap and report.md from the runs' scores."""

from pathlib import Path

from wenyan_mtl.analysis.pipeline import OutputPaths, analyze_results
from wenyan_mtl.logutil import setup_logging

logger = setup_logging(snakemake.log[0])  # noqa: F821 (injected by Snakemake)
output = snakemake.output  # noqa: F821

paths = OutputPaths(
    gain=Path(output.gain),
    scores=Path(output.scores),
    stability=Path(output.stability),
    ten_task=Path(output.ten_task),
    synergy=Path(output.synergy),
    summary=Path(output.summary),
    significance=Path(output.significance),
    seeds=Path(output.seeds),
    provenance=Path(output.provenance),
    heatmap=Path(output.heatmap),
    heatmap_pdf=Path(output.heatmap_pdf),
    markdown=Path(output.markdown),
)
analyze_results(
    score_paths=list(snakemake.input.scores),  # noqa: F821
    item_paths=list(snakemake.input.item_scores),  # noqa: F821
    baseline_paths=list(snakemake.input.baselines),  # noqa: F821
    tasks=list(snakemake.params.tasks),  # noqa: F821
    seeds=list(snakemake.params.seeds),  # noqa: F821
    analysis_config=dict(snakemake.params.analysis),  # noqa: F821
    paths=paths,
)
logger.info("analysis written to %s", paths.markdown.parent)
