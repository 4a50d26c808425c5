# Corpus cleaning for continued pretraining: one job per corpus source, then a merge.


rule clean_corpus:
    input:
        corpus_source_files,
    output:
        text="results/corpus/{source}/clean.txt",
        stats="results/corpus/{source}/stats.json",
        quarantine="results/corpus/{source}/quarantine.jsonl",
    params:
        source=corpus_source_params,
        opencc=config["corpus"]["opencc"],
        data_root=DATA_ROOT,
    log:
        "results/logs/clean_corpus/{source}.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/clean_corpus.py"


rule merge_corpus:
    input:
        texts=expand("results/corpus/{source}/clean.txt", source=CORPUS_SOURCES),
        stats=expand("results/corpus/{source}/stats.json", source=CORPUS_SOURCES),
    output:
        corpus="results/corpus/corpus.txt",
        table="results/corpus/table1.csv",
        markdown="results/corpus/table1.md",
    log:
        "results/logs/merge_corpus.log",
    conda:
        "../../envs/wenyan-mtl.yaml"
    script:
        "../scripts/merge_corpus.py"
