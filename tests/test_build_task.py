"""build_task: screening, counts, instructions and config validation; the demo through Snakemake."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from wenyan_mtl.build import build_task, expand_paths, reason_category, write_task_build
from wenyan_mtl.records import make_record_id, read_records
from wenyan_mtl.tasks import get_task

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
BASIC_TASKS = ("punctuation", "pos", "ner", "event", "translation")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check_counts(stats: dict) -> None:
    for source in stats["sources"]:
        assert source["items_in"] == source["kept"] + source["rejected"]
        assert sum(source["rejected_by_reason"].values()) == source["rejected"]
    assert stats["items_in"] == stats["records"] + stats["rejected"]


def test_duplicates_and_empty_output_quarantined(tmp_path):
    write(tmp_path / "a/source.txt", "子曰：可。\n颜回曰：善。\n子曰：可。\n")
    write(tmp_path / "b/source.txt", "子曰，可。\n")
    lines = [
        {"instruction": "加标点。", "input": "子曰可", "output": ""},
        {"instruction": "", "input": "", "output": "。"},
        {"instruction": "加标点。", "input": "天下", "output": "天下。"},
    ]
    write(tmp_path / "mine.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    sources = [
        {"format": "classical_modern_source", "paths": ["**/source.txt"]},
        {"format": "alpaca", "paths": ["mine.jsonl"]},
    ]
    build = build_task("punctuation", sources, tmp_path)
    first_id = make_record_id("punctuation", "子曰可")
    assert [r.input for r in build.records] == ["子曰可", "颜回曰善", "天下"]
    reasons = [(q.source, q.line, q.field, q.reason) for q in build.quarantine]
    assert reasons == [
        ("a/source.txt", 3, "id", f"duplicate of {first_id} (first kept at a/source.txt:1)"),
        (
            "b/source.txt", 1, "id",
            f"duplicate of {first_id} (first kept at a/source.txt:1; same passage, different content)",
        ),
        ("mine.jsonl", 1, "output", "empty output"),
        ("mine.jsonl", 2, "input", "empty input"),
    ]
    stats = build.stats
    assert [s["items_in"] for s in stats["sources"]] == [4, 3]
    assert [s["kept"] for s in stats["sources"]] == [2, 1]
    assert stats["sources"][0]["rejected_by_reason"] == {"duplicate": 2}
    assert stats["sources"][1]["rejected_by_reason"] == {"empty input": 1, "empty output": 1}
    assert stats["sources"][0]["files"] == ["a/source.txt", "b/source.txt"]
    assert (stats["items_in"], stats["records"], stats["rejected"]) == (7, 3, 4)
    check_counts(stats)


def test_alpaca_without_input_kept(tmp_path):
    write(tmp_path / "mine.jsonl", json.dumps({"instruction": "何谓仁？", "output": "爱人。"}, ensure_ascii=False) + "\n")
    build = build_task("translation", [{"format": "alpaca", "paths": ["mine.jsonl"]}], tmp_path)
    assert [(r.instruction, r.input, r.output) for r in build.records] == [("何谓仁？", "", "爱人。")]


def test_instructions_filled_from_catalogue(tmp_path):
    write(tmp_path / "source.txt", "".join(f"第{n}句，可也。\n" for n in range(30)))
    build = build_task("punctuation", [{"format": "classical_modern_source", "paths": ["source.txt"]}], tmp_path)
    catalogue = get_task("punctuation").instructions
    used = {record.instruction for record in build.records}
    assert used <= set(catalogue)
    assert len(used) > 1


def test_instructions_override(tmp_path):
    write(tmp_path / "source.txt", "子曰：可。\n颜回曰：善。\n")
    sources = [{"format": "classical_modern_source", "paths": ["source.txt"]}]
    build = build_task("punctuation", sources, tmp_path, instructions=["断句："])
    assert [record.instruction for record in build.records] == ["断句：", "断句："]


def test_unknown_format_raises(tmp_path):
    write(tmp_path / "x.txt", "甲\n")
    with pytest.raises(ValueError, match="unknown source format 'conll'"):
        build_task("pos", [{"format": "conll", "paths": ["x.txt"]}], tmp_path)


def test_unmatched_glob_raises(tmp_path):
    with pytest.raises(ValueError, match=r"pattern 'missing/\*\.txt' matches no file"):
        expand_paths(["missing/*.txt"], tmp_path, "task_sources.pos[1]")


def test_all_rejected_raises(tmp_path):
    write(tmp_path / "pos.txt", "甲 乙\n")
    with pytest.raises(ValueError, match="all 1 input items were rejected"):
        build_task("pos", [{"format": "evahan", "paths": ["pos.txt"]}], tmp_path)


def test_reason_category():
    assert reason_category("duplicate of pos/0123456789abcdef (first kept at a:1)") == "duplicate"
    assert reason_category("trigger mismatch: event 12: text[1:2] is 'a'") == "trigger mismatch"
    assert reason_category("empty output") == "empty output"


def test_write_task_build_files(tmp_path):
    write(tmp_path / "data/source.txt", "子曰：可。\n子曰：可。\n")
    sources = [{"format": "classical_modern_source", "paths": ["source.txt"]}]
    build = build_task("punctuation", sources, tmp_path / "data")
    out = tmp_path / "out"
    write_task_build(build, out / "records.jsonl", out / "quarantine.jsonl", out / "import_stats.json")
    assert [r.output for r in read_records(out / "records.jsonl")] == ["子曰：可。"]
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text("utf-8").splitlines()]
    assert [(q["source"], q["line"], q["field"]) for q in quarantine] == [("source.txt", 2, "id")]
    assert json.loads((out / "import_stats.json").read_text("utf-8"))["records"] == 1


# --- config validation --------------------------------------------------------------------


def load_demo_config() -> dict:
    return yaml.safe_load((REPO / "config/config.yaml").read_text("utf-8"))


def test_schema_rejects_unknown_task():
    config = load_demo_config()
    config["tasks"] = ["punctuation", "parsing"]
    with pytest.raises(Exception, match="parsing"):
        validate(config, str(SCHEMA))


def test_schema_rejects_unknown_task_source():
    config = load_demo_config()
    config["task_sources"]["parsing"] = [{"format": "evahan", "paths": ["x"]}]
    with pytest.raises(Exception, match="parsing"):
        validate(config, str(SCHEMA))


def test_schema_rejects_unknown_format():
    config = load_demo_config()
    config["task_sources"]["pos"] = [{"format": "conll", "paths": ["x"]}]
    with pytest.raises(Exception, match="conll"):
        validate(config, str(SCHEMA))


def test_public_sources_config_valid():
    config = yaml.safe_load((REPO / "config/public-sources.yaml").read_text("utf-8"))
    assert set(config) == set(load_demo_config())
    validate(config, str(SCHEMA))
    assert set(config["task_sources"]) == set(config["tasks"])
    corpus_paths = [p for source in config["corpus"]["sources"] for p in source["paths"]]
    assert not any("_original_encoding" in p for p in corpus_paths)


# --- demo data ----------------------------------------------------------------------------


# (task, items in, records, rejected by reason) of the bundled demo data.
DEMO_EXPECTED = {
    "punctuation": (93, 90, {"duplicate": 1, "empty input": 1, "no punctuation": 1}),
    "pos": (82, 80, {"malformed token": 2}),
    "ner": (82, 80, {"malformed entity markup": 1, "unknown entity type": 1}),
    "event": (88, 85, {"empty input": 1, "invalid JSON": 1, "trigger mismatch": 1}),
    "translation": (82, 80, {"missing side": 2}),
}


@pytest.mark.parametrize("task", BASIC_TASKS)
def test_demo_task_counts(task):
    config = load_demo_config()
    build = build_task(task, config["task_sources"][task], REPO / config["data_root"])
    items_in, records, by_reason = DEMO_EXPECTED[task]
    assert build.stats["items_in"] == items_in
    assert build.stats["records"] == records
    assert build.stats["rejected_by_reason"] == by_reason
    check_counts(build.stats)


def test_demo_generator_reproduces_files(tmp_path):
    demo = REPO / "resources/demo"
    copy = tmp_path / "demo"
    copy.mkdir()
    shutil.copy(demo / "generate_basic_tasks.py", copy)
    subprocess.run([sys.executable, str(copy / "generate_basic_tasks.py")], check=True)
    generated = sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file() and p.suffix != ".py")
    assert len(generated) == 9
    for relative in generated:
        assert (copy / relative).read_bytes() == (demo / relative).read_bytes(), relative


# Records and quarantined items per task on the shared public subsets (config/public-sources.yaml).
PUBLIC_EXPECTED = {
    "punctuation": (4210, {"duplicate": 43}),
    "pos": (4791, {"duplicate": 60, "malformed token": 2}),
    "ner": (1997, {"duplicate": 3}),
    "event": (3967, {"duplicate": 33}),
    "translation": (4908, {"duplicate": 27}),
}


@pytest.mark.parametrize("task", BASIC_TASKS)
def test_public_task_counts(task):
    candidates = [os.environ.get("WENYAN_SHARED_DATA"), REPO.parent / "shared" / "data"]
    root = next((Path(c) for c in candidates if c and Path(c).is_dir()), None)
    if root is None:
        pytest.skip("public data not found: set WENYAN_SHARED_DATA or place shared/data beside the repository")
    config = yaml.safe_load((REPO / "config/public-sources.yaml").read_text("utf-8"))
    build = build_task(task, config["task_sources"][task], root)
    records, by_reason = PUBLIC_EXPECTED[task]
    assert build.stats["records"] == records
    assert build.stats["rejected_by_reason"] == by_reason
    check_counts(build.stats)


@pytest.mark.slow
def test_snakemake_splits_demo(tmp_path):
    # Only the data rules are included, so this test does not depend on the later stages' scripts.
    snakefile = write(
        tmp_path / "Snakefile",
        f'configfile: "{REPO / "config/config.yaml"}"\n'
        f'include: "{REPO / "workflow/rules/common.smk"}"\n'
        f'include: "{REPO / "workflow/rules/data.smk"}"\n',
    )
    targets = [f"results/data/{task}/{name}.jsonl" for task in BASIC_TASKS for name in ("train", "test")]
    command = [
        str(Path(sys.executable).with_name("snakemake")), *targets, "--cores", "1", "--snakefile", str(snakefile),
        "--directory", str(tmp_path / "work"), "--config", f"data_root={REPO / 'resources/demo'}",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    for task in BASIC_TASKS:
        split_stats = json.loads((tmp_path / f"work/results/data/{task}/split_stats.json").read_text("utf-8"))
        import_stats = json.loads((tmp_path / f"work/results/data/{task}/import_stats.json").read_text("utf-8"))
        assert import_stats["records"] == DEMO_EXPECTED[task][1]
        assert sum(split_stats["counts"].values()) == DEMO_EXPECTED[task][1]
        assert split_stats["counts"]["train"] > split_stats["counts"]["test"]
