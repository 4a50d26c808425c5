"""Score one run's predictions: scores.json and item_scores.jsonl (rule `score`)."""

from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])

from wenyan_mtl.metrics.runner import score_run  # noqa: E402

score_run(
    predictions_path=snakemake.input.predictions,
    tasks=snakemake.params.tasks,
    evaluation=snakemake.params.evaluation,
    # The CPT model directory, a configured local encoder, or None for a hub name.
    encoder=snakemake.input.encoder[0] if snakemake.input.encoder else None,
    run=snakemake.wildcards.run,
    seed=int(snakemake.wildcards.seed),
    scores_path=snakemake.output.scores,
    items_path=snakemake.output.item_scores,
)
