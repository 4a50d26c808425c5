# Config validation, the run plan and input functions shared by every stage.

import glob
import json
import os
import re

from snakemake.utils import validate

from wenyan_mtl.plan import plan_runs
from wenyan_mtl.tasks import canonical_order


validate(config, schema="../schemas/config.schema.yaml")

TASKS = canonical_order(config["tasks"])
RUNS = {run.id: run for run in plan_runs(TASKS)}
SEEDS = [str(seed) for seed in config["finetune"]["seeds"]]
CORPUS_SOURCES = [source["name"] for source in config["corpus"]["sources"]]
DATA_ROOT = config["data_root"]
BASE_MODEL = config["model"]["base"]
EMBEDDED_MODEL = BASE_MODEL == "embedded"

if not os.path.isdir(DATA_ROOT):
    raise ValueError(
        f"config: data_root {DATA_ROOT!r} does not exist or is not a directory "
        f"(a relative data_root is resolved against the working directory {os.getcwd()!r})"
    )
for _task in TASKS:
    if _task not in config["task_sources"]:
        raise ValueError(
            f"config: task {_task!r} is listed under 'tasks' but has no entry under 'task_sources'"
        )
if not EMBEDDED_MODEL and not os.path.isdir(BASE_MODEL):
    raise ValueError(
        f"config: model.base {BASE_MODEL!r} is neither 'embedded' nor an existing local model directory"
    )


def alternation(names):
    """A regex that matches exactly one of `names`, for the global wildcard constraints."""
    return "|".join(re.escape(name) for name in names)




def canonical(value):
    """Return `value` with every mapping's keys sorted, recursively.

    Snakemake compares a rule's params by their repr, and a dict's repr follows
    insertion order, so without this re-saving the config with keys in another
    order would rerun every job.
    """
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return value


def section(name, *, exclude=()):
    """A config section as rule params, canonicalised, without keys that do not shape the outputs."""
    return canonical({key: value for key, value in config[name].items() if key not in exclude})


def generation_params():
    """What shapes the predictions: batch size and generation lengths, not the scorers."""
    evaluation = config["evaluation"]
    return canonical({"batch_size": evaluation["batch_size"], "max_new_tokens": evaluation["max_new_tokens"]})


def scoring_params():
    """What shapes the scores: the BERTScore encoder and the judge, not generation settings."""
    evaluation = config["evaluation"]
    return canonical({"bertscore": evaluation["bertscore"], "judge": evaluation["judge"]})


def expand_source_paths(patterns, what):
    """Expand globs under data_root, sorted; a pattern that matches nothing is an error."""
    paths = []
    for pattern in patterns:
        matched = sorted(glob.glob(os.path.join(DATA_ROOT, pattern), recursive=True))
        matched = [path for path in matched if os.path.isfile(path)]
        if not matched:
            raise ValueError(f"config: {what}: pattern {pattern!r} matches no file under data_root {DATA_ROOT!r}")
        paths.extend(matched)
    return paths


def corpus_source(name):
    for source in config["corpus"]["sources"]:
        if source["name"] == name:
            return source
    raise KeyError(name)


def corpus_source_params(wildcards):
    return canonical(corpus_source(wildcards.source))


def corpus_source_files(wildcards):
    source = corpus_source(wildcards.source)
    return expand_source_paths(source["paths"], f"corpus source {wildcards.source!r}")


# Importer options that name a file under data_root; the file becomes a rule input,
# so editing it reruns the task's data jobs.
FILE_OPTIONS = ("labels",)


def task_source_files(wildcards):
    files = []
    for entry in config["task_sources"][wildcards.task]:
        files += expand_source_paths(entry["paths"], f"task_sources.{wildcards.task}")
        for key in FILE_OPTIONS:
            if entry.get("options", {}).get(key):
                files += expand_source_paths([entry["options"][key]], f"task_sources.{wildcards.task}.options.{key}")
    return files


def task_source_params(wildcards):
    """Everything in config that shapes a task's records (so that a change reruns that task only)."""
    return canonical(
        {
            "task": wildcards.task,
            "sources": config["task_sources"][wildcards.task],
            "instructions": config["instructions"].get(wildcards.task),
            "data_root": DATA_ROOT,
        }
    )


def run_tasks(wildcards):
    return list(RUNS[wildcards.run].tasks)


def run_train_splits(wildcards):
    return {task: f"results/data/{task}/train.jsonl" for task in RUNS[wildcards.run].tasks}


def run_test_splits(wildcards):
    return {task: f"results/data/{task}/test.jsonl" for task in RUNS[wildcards.run].tasks}


def base_model_dir():
    return "results/models/tiny_base" if EMBEDDED_MODEL else BASE_MODEL


def bertscore_encoder():
    """The BERTScore encoder as an input of the scoring rules: the CPT model by default, or a local directory.

    A hub name (for users with hub access) is not a file, so it is no input; the
    scoring scripts read it from the config.
    """
    model = config["evaluation"]["bertscore"]["model"]
    if model is None:
        return ["results/models/cpt"]
    return [model] if os.path.isdir(model) else []


def run_outputs(path_pattern):
    return [path_pattern.format(run=run, seed=seed) for run in RUNS for seed in SEEDS]


def get_final_output():
    outputs = [
        "results/corpus/table1.csv",
        "results/data/table3.csv",
        "results/data/leakage.csv",
    ]
    outputs += run_outputs("results/runs/{run}/seed{seed}/scores.json")
    outputs += expand("results/baselines/{task}.json", task=TASKS)
    outputs.append("results/analysis/gain_matrix.csv")
    return outputs
