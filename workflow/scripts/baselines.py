"""Score the trivial baselines of one task on its test split (rule `baselines`)."""

from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])

from wenyan_mtl.metrics.runner import run_baselines  # noqa: E402

run_baselines(
    task=snakemake.wildcards.task,
    train_path=snakemake.input.train,
    test_path=snakemake.input.test,
    evaluation=snakemake.params.evaluation,
    # The CPT model directory, a configured local encoder, or None for a hub name.
    encoder=snakemake.input.encoder[0] if snakemake.input.encoder else None,
    output_path=snakemake.output[0],
)
