# Analysis: score, gain, stability, ten-task and synergy tables, the heatmap and
# the paired bootstrap, from every run's scores. The run manifests are read for
# the provenance table only.


rule analyze:
    input:
        scores=run_outputs("results/runs/{run}/seed{seed}/scores.json"),
        item_scores=run_outputs("results/runs/{run}/seed{seed}/item_scores.jsonl"),
        manifests=run_outputs("results/runs/{run}/seed{seed}/manifest.json"),
        baselines=expand("results/baselines/{task}.json", task=TASKS),
    output:
        gain=report("results/analysis/gain_matrix.csv", caption="../report/gain_matrix.rst", category="Analysis", subcategory="Tables"),
        scores=report("results/analysis/score_matrix.csv", caption="../report/score_matrix.rst", category="Analysis", subcategory="Tables"),
        stability=report("results/analysis/stability.csv", caption="../report/stability.rst", category="Analysis", subcategory="Tables"),
        ten_task=report("results/analysis/ten_task.csv", caption="../report/ten_task.rst", category="Analysis", subcategory="Tables"),
        synergy=report("results/analysis/type_synergy.csv", caption="../report/type_synergy.rst", category="Analysis", subcategory="Tables"),
        summary="results/analysis/summary.json",
        significance=report("results/analysis/significance.csv", caption="../report/significance.rst", category="Analysis", subcategory="Significance"),
        seeds=report("results/analysis/seed_stability.csv", caption="../report/seed_stability.rst", category="Analysis", subcategory="Seeds"),
        provenance=report("results/analysis/provenance.csv", caption="../report/provenance.rst", category="Provenance"),
        heatmap=report("results/analysis/heatmap.png", caption="../report/heatmap.rst", category="Analysis", subcategory="Figures"),
        heatmap_pdf="results/analysis/heatmap.pdf",
        markdown=report("results/analysis/report.md", caption="../report/analysis_report.rst", category="Analysis"),
    params:
        tasks=TASKS,
        seeds=SEEDS,
        analysis=section("analysis"),
    log:
        "results/logs/analyze.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/analyze.py"
