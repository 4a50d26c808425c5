# Base model and continued pretraining (CPT). With model.base "embedded" a tiny
# Llama model and its tokenizer are built from the cleaned corpus first.


rule build_tokenizer:
    input:
        corpus="results/corpus/corpus.txt",
    output:
        directory("results/models/tiny_tokenizer"),
    params:
        tiny=canonical(config["model"]["tiny"]),
        chat_template=config["model"]["chat_template"],
    log:
        "results/logs/build_tokenizer.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/build_tokenizer.py"


rule pretrain_tiny:
    input:
        corpus="results/corpus/corpus.txt",
        tokenizer="results/models/tiny_tokenizer",
    output:
        directory("results/models/tiny_base"),
    params:
        tiny=canonical(config["model"]["tiny"]),
    log:
        "results/logs/pretrain_tiny.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/pretrain_tiny.py"


rule cpt:
    input:
        corpus="results/corpus/corpus.txt",
        base=base_model_dir(),
    output:
        model=directory("results/models/cpt"),
        train_log="results/models/cpt_train_log.jsonl",
        manifest="results/models/cpt_manifest.json",
    params:
        cpt=section("cpt"),
        chat_template=config["model"]["chat_template"],
        checkpoint_dir="results/checkpoints/cpt",
    log:
        "results/logs/cpt.log",
    resources:
        gpu=1,
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/cpt.py"
