# Task data: one import job and one split job per task, so that a change in one
# task's sources reruns only that task's data, runs and evaluations.


rule build_task:
    input:
        task_source_files,
    output:
        records="results/data/{task}/records.jsonl",
        quarantine="results/data/{task}/quarantine.jsonl",
        stats="results/data/{task}/import_stats.json",
    params:
        spec=task_source_params,
    log:
        "results/logs/build_task/{task}.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/build_task.py"


rule split_task:
    input:
        records="results/data/{task}/records.jsonl",
    output:
        train="results/data/{task}/train.jsonl",
        dev="results/data/{task}/dev.jsonl",
        test="results/data/{task}/test.jsonl",
        stats="results/data/{task}/split_stats.json",
    params:
        split=section("split"),
    log:
        "results/logs/split_task/{task}.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/split_task.py"


rule data_report:
    input:
        import_stats=expand("results/data/{task}/import_stats.json", task=TASKS),
        split_stats=expand("results/data/{task}/split_stats.json", task=TASKS),
        train=expand("results/data/{task}/train.jsonl", task=TASKS),
        test=expand("results/data/{task}/test.jsonl", task=TASKS),
    output:
        table="results/data/table3.csv",
        markdown="results/data/table3.md",
        leakage="results/data/leakage.csv",
        leakage_markdown="results/data/leakage.md",
    params:
        tasks=TASKS,
    log:
        "results/logs/data_report.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/data_report.py"
