# Inference and scoring. Inference runs one job per fine-tuning run: it loads
# the merged CPT model and the run's adapter once and decodes the test splits of
# all the run's tasks. A run's predictions depend on exactly the tasks it was
# trained on, so per-run jobs rerun nothing extra, and one model load per job
# keeps the per-job overhead low (110 evaluations in 56 jobs for ten tasks).
# Scoring is a separate job, so a metric change never reruns inference; it asks
# for a GPU because BERTScore with the default encoder (the merged CPT model)
# runs an 8B model in a real setting.


rule predict:
    input:
        unpack(run_test_splits),
        model="results/models/cpt",
        adapter="results/runs/{run}/seed{seed}/adapter/adapter_model.safetensors",
        adapter_config="results/runs/{run}/seed{seed}/adapter/adapter_config.json",
    output:
        predictions="results/runs/{run}/seed{seed}/predictions.jsonl",
        stats="results/runs/{run}/seed{seed}/predict_stats.json",
    params:
        tasks=run_tasks,
        evaluation=generation_params(),
    log:
        "results/logs/predict/{run}/seed{seed}.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/predict.py"


rule score:
    input:
        predictions="results/runs/{run}/seed{seed}/predictions.jsonl",
        encoder=bertscore_encoder(),
    output:
        scores="results/runs/{run}/seed{seed}/scores.json",
        item_scores="results/runs/{run}/seed{seed}/item_scores.jsonl",
    params:
        tasks=run_tasks,
        evaluation=scoring_params(),
    log:
        "results/logs/score/{run}/seed{seed}.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/score.py"


rule baselines:
    input:
        train="results/data/{task}/train.jsonl",
        test="results/data/{task}/test.jsonl",
        encoder=bertscore_encoder(),
    output:
        "results/baselines/{task}.json",
    params:
        evaluation=scoring_params(),
    log:
        "results/logs/baselines/{task}.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/baselines.py"
