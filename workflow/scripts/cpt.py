"""Continued pretraining with LoRA on the cleaned corpus, merged into the base model."""

from wenyan_mtl.logutil import setup_logging

setup_logging(snakemake.log[0])

from wenyan_mtl.model.cpt import CptSpec, run_cpt  # noqa: E402
from wenyan_mtl.model.launch import gpu_count  # noqa: E402

run_cpt(
    CptSpec(
        corpus=snakemake.input.corpus,
        base_dir=snakemake.input.base,
        output_dir=snakemake.output.model,
        train_log=snakemake.output.train_log,
        manifest=snakemake.output.manifest,
        settings=dict(snakemake.params.cpt),
        chat_template=snakemake.params.chat_template,
        checkpoint_dir=snakemake.params.checkpoint_dir,
        nproc=gpu_count(snakemake.resources),
    )
)
