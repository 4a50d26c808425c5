# wenyan-mtl: how tasks help or hurt each other when an LLM is fine-tuned on
# Classical Chinese. Stages: corpus cleaning -> task data and splits -> CPT ->
# the fine-tuning runs -> inference and scoring -> analysis.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Every wildcard matches only configured names, so {run} can never match a path
# it was not meant to.
wildcard_constraints:
    task=alternation(TASKS),
    run=alternation(RUNS),
    seed=r"\d+",
    source=alternation(CORPUS_SOURCES),


include: "workflow/rules/corpus.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/finetune.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/analysis.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
