"""The clean_corpus and merge_corpus rules, run through Snakemake on the demo."""

import csv
import json

from workflow_copy import copy_repo, run_snakemake


def test_snakemake_builds_table1_on_demo(tmp_path):
    workdir = copy_repo(tmp_path / "repo")
    run_snakemake(workdir, "--cores", "1", "results/corpus/table1.csv", timeout=300)

    corpus = workdir / "results/corpus"
    with open(corpus / "table1.csv", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [row["source"] for row in table] == ["demo-prose", "demo-history", "demo-poetry", "total"]
    lines = (corpus / "corpus.txt").read_text("utf-8").splitlines()
    assert int(table[-1]["paragraphs_kept"]) == len(lines)
    for row in table[:-1]:
        stats = json.loads((corpus / row["source"] / "stats.json").read_text("utf-8"))
        assert int(row["lines_in"]) == stats["lines_in"]
        assert stats["lines_in"] == stats["paragraphs_kept"] + sum(stats["dropped"].values())
        log = (workdir / "results/logs/clean_corpus" / f"{row['source']}.log").read_text("utf-8")
        assert "MB/s" in log
    assert (corpus / "table1.md").is_file()
