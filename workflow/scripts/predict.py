"""Snakemake adapter of rule `predict`: decode the test splits of one run's tasks."""

import os
from pathlib import Path

from wenyan_mtl.logutil import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821 (injected by Snakemake)

# Models come from local directories only; the hub must never be contacted.
os.environ["HF_HUB_OFFLINE"] = "1"

from wenyan_mtl.inference import predict_run  # noqa: E402

tasks = list(snakemake.params.tasks)  # noqa: F821
predict_run(
    model_dir=snakemake.input.model,  # noqa: F821
    adapter_dir=Path(snakemake.input.adapter).parent,  # noqa: F821
    test_splits={task: getattr(snakemake.input, task) for task in tasks},  # noqa: F821
    evaluation=snakemake.params.evaluation,  # noqa: F821
    predictions_path=snakemake.output.predictions,  # noqa: F821
    stats_path=snakemake.output.stats,  # noqa: F821
    run_id=f"{snakemake.wildcards.run}/seed{snakemake.wildcards.seed}",  # noqa: F821
)
