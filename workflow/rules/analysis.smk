# Analysis: score, gain, stability, ten-task and synergy tables, the heatmap and
# the paired bootstrap, from every run's scores.


rule analyze:
    input:
        scores=run_outputs("results/runs/{run}/seed{seed}/scores.json"),
        items=run_outputs("results/runs/{run}/seed{seed}/item_scores.jsonl"),
        baselines=expand("results/baselines/{task}.json", task=TASKS),
    output:
        gain=report("results/analysis/gain_matrix.csv", category="Analysis"),
        scores="results/analysis/score_matrix.csv",
        stability="results/analysis/stability.csv",
        ten_task="results/analysis/ten_task.csv",
        synergy="results/analysis/type_synergy.csv",
        summary="results/analysis/summary.json",
        significance="results/analysis/significance.csv",
        heatmap=report("results/analysis/heatmap.png", category="Analysis"),
        heatmap_pdf="results/analysis/heatmap.pdf",
        markdown="results/analysis/report.md",
    params:
        tasks=TASKS,
        seeds=SEEDS,
        analysis=config["analysis"],
    log:
        "results/logs/analyze.log",
    script:
        "../scripts/analyze.py"
