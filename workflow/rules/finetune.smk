# The fine-tuning runs: one job per planned run and seed. A run's inputs are only
# its own tasks' train splits and the CPT model, so a data change in one task
# invalidates only the runs that contain it. Checkpoints live outside the job's
# outputs, so a killed job resumes from its last checkpoint when rerun.


rule finetune:
    input:
        unpack(run_train_splits),
        model="results/models/cpt",
    output:
        adapter="results/runs/{run}/seed{seed}/adapter/adapter_model.safetensors",
        adapter_config="results/runs/{run}/seed{seed}/adapter/adapter_config.json",
        train_log="results/runs/{run}/seed{seed}/train_log.jsonl",
        manifest="results/runs/{run}/seed{seed}/manifest.json",
    params:
        tasks=run_tasks,
        # seeds is left out: adding a seed must not rerun the runs of the others.
        finetune=section("finetune", exclude=("seeds",)),
        checkpoint_dir="results/checkpoints/{run}/seed{seed}",
    log:
        "results/logs/finetune/{run}/seed{seed}.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/finetune.py"
