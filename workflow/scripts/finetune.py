"""LoRA fine-tuning of one planned run and seed on the merged CPT model."""

from wenyan_mtl.logutil import setup_logging

setup_logging(snakemake.log[0])

from pathlib import Path  # noqa: E402

from wenyan_mtl.model.finetune import FinetuneSpec, run_finetune  # noqa: E402
from wenyan_mtl.model.launch import gpu_count  # noqa: E402

tasks = list(snakemake.params.tasks)
run_finetune(
    FinetuneSpec(
        run_id=snakemake.wildcards.run,
        seed=int(snakemake.wildcards.seed),
        tasks=tasks,
        train_files={task: getattr(snakemake.input, task) for task in tasks},
        model_dir=snakemake.input.model,
        adapter_dir=str(Path(snakemake.output.adapter).parent),
        train_log=snakemake.output.train_log,
        manifest=snakemake.output.manifest,
        settings=dict(snakemake.params.finetune),
        checkpoint_dir=snakemake.params.checkpoint_dir,
        nproc=gpu_count(snakemake.resources),
    )
)
