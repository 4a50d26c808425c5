"""The score job end to end: predictions.jsonl of all ten tasks -> scores.json and item_scores.jsonl."""

import json
from pathlib import Path

import pytest

from wenyan_mtl.metrics import aggregate, score_task
from wenyan_mtl.metrics.runner import read_predictions, score_run
from wenyan_mtl.records import InputError
from wenyan_mtl.tasks import TASK_IDS

POEM = "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"

# (input, reference) per task: two items each.
EXAMPLES = {
    "punctuation": [("颜回见仲尼请行", "颜回见仲尼，请行。"), ("子曰学而时习之", "子曰：「学而时习之。」")],
    "pos": [("惠公元妃孟子。", "惠公/nr 元妃/n 孟子/nr 。/w"), ("子曰", "子/n 曰/v")],
    "ner": [("帝曰玄齡", "帝曰{玄齡|PER}"), ("之乎", "之乎")],
    "event": [("命习水战", "命|诏令"), ("之乎", "无")],
    "translation": [("黄帝者少典之子", "黄帝是少典的后裔"), ("𠀀𪚥之乎", "𠀀𪚥的")],
    "word_explanation": [("「轩辕」", "黄帝的名字"), ("「神灵」", "神异")],
    "reverse_dictionary": [("黄帝的名字", "轩辕"), ("唐代诗人", "李白")],
    "historical_figure": [("李白", "李白字太白号青莲居士唐代诗人"), ("黄帝", "黄帝者少典之子")],
    "poetry_appreciation": [("诗", "这首诗写景抒情"), ("诗", "生而神灵")],
    "poetry_generation": [("题目：登鹳雀楼\n体裁：五言绝句", POEM), ("题目：如梦令\n体裁：词·如梦令", "常记溪亭日暮，沉醉不知归路。")],
}


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    import torch

    from test_metrics_bertscore import build_tiny_encoder

    torch.set_num_threads(1)
    return build_tiny_encoder(tmp_path_factory.mktemp("runner"))


def write_predictions(path: Path, prediction_of) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for task, examples in EXAMPLES.items():
            for index, (input_text, reference) in enumerate(examples):
                line = {
                    "id": f"{task}/{index}", "task": task, "instruction": "指令", "input": input_text,
                    "prompt": "### 指令：\n" + input_text, "reference": reference,
                    "prediction": prediction_of(reference), "prompt_tokens": 10, "generated_tokens": 5,
                }
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


EVALUATION = {"bertscore": {"model": None, "num_layers": None, "batch_size": 8},
              "judge": {"backend": "none", "model": None, "base_url": None,
                        "api_key_env": "WENYAN_JUDGE_API_KEY", "max_retries": 2}}


def _run(tmp_path, encoder_dir, prediction_of, name):
    predictions = write_predictions(tmp_path / f"{name}.jsonl", prediction_of)
    scores_path = tmp_path / name / "scores.json"
    items_path = tmp_path / name / "item_scores.jsonl"
    score_run(predictions, list(TASK_IDS), EVALUATION, str(encoder_dir), "all", 42, scores_path, items_path,
              judge_cache_dir=tmp_path / "cache")
    scores = json.loads(scores_path.read_text("utf-8"))
    items = [json.loads(line) for line in items_path.read_text("utf-8").splitlines()]
    return scores, items


def test_identical_predictions_score_100(tmp_path, encoder_dir):
    scores, items = _run(tmp_path, encoder_dir, lambda reference: reference, "identical")
    assert scores["run"] == "all"
    assert scores["seed"] == 42
    assert list(scores["tasks"]) == list(TASK_IDS)
    assert len(items) == 2 * len(TASK_IDS)
    for task, entry in scores["tasks"].items():
        assert entry["score"] == pytest.approx(100.0, abs=1e-3), task
        assert entry["n_items"] == 2
        assert entry["empty_predictions"] == 0
        assert entry["signature"].startswith(entry["metric"] + "|"), task
        task_stats = [item["stats"] for item in items if item["task"] == task]
        assert aggregate(entry["metric"], task_stats) == entry["score"], task
    assert "form-scorer" in scores["tasks"]["poetry_generation"]["signature"]


def test_empty_predictions_score_0(tmp_path, encoder_dir):
    scores, items = _run(tmp_path, encoder_dir, lambda reference: "", "empty")
    for task, entry in scores["tasks"].items():
        # For ner and event the second item has nothing to find, but the first item's miss makes the corpus F1 0.
        assert entry["score"] == 0.0, task
        assert entry["empty_predictions"] == 2, task
        task_stats = [item["stats"] for item in items if item["task"] == task]
        assert aggregate(entry["metric"], task_stats) == entry["score"], task


def test_read_predictions_reports_line_and_field(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        json.dumps({"id": "a", "task": "pos", "input": "", "reference": "子/n", "prediction": "子/n"}) + "\n"
        + json.dumps({"id": "b", "task": "pos", "input": "", "reference": "子/n"}) + "\n",
        "utf-8",
    )
    with pytest.raises(InputError, match=r"line 2, field 'prediction'"):
        read_predictions(path, ["pos"])
    path.write_text(json.dumps({"id": "a", "task": "ner", "input": "", "reference": "", "prediction": ""}) + "\n", "utf-8")
    with pytest.raises(InputError, match=r"line 1, field 'task'"):
        read_predictions(path, ["pos"])
    with pytest.raises(InputError, match="no predictions for task"):
        read_predictions(path, ["ner", "pos"])


def test_duplicate_ids_rejected():
    item = {"id": "a", "input": "", "reference": "子/n", "prediction": "子/n"}
    with pytest.raises(ValueError, match="duplicate item id"):
        score_task("pos", [item, dict(item)])


def test_workflow_scripts_run_with_snakemake_object(tmp_path, encoder_dir):
    import runpy
    from types import SimpleNamespace

    from wenyan_mtl.records import Record, write_jsonl

    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    predictions = write_predictions(tmp_path / "predictions.jsonl", lambda reference: reference)
    job = SimpleNamespace(
        input=SimpleNamespace(predictions=str(predictions), encoder=[str(encoder_dir)]),
        output=SimpleNamespace(scores=str(tmp_path / "scores.json"), item_scores=str(tmp_path / "item_scores.jsonl")),
        params=SimpleNamespace(tasks=list(TASK_IDS), evaluation=EVALUATION),
        wildcards=SimpleNamespace(run="all", seed="42"),
        log=[str(tmp_path / "score.log")],
    )
    runpy.run_path(str(scripts / "score.py"), init_globals={"snakemake": job})
    scores = json.loads((tmp_path / "scores.json").read_text("utf-8"))
    assert scores["seed"] == 42
    assert set(scores["tasks"]) == set(TASK_IDS)
    assert "scored 20 items of 10 tasks" in (tmp_path / "score.log").read_text("utf-8")

    records = [Record(f"pos/{i}", "pos", "指令", "子曰", "子/n 曰/v", "t") for i in range(2)]
    write_jsonl(tmp_path / "train.jsonl", records)
    write_jsonl(tmp_path / "test.jsonl", records[:1])
    job = SimpleNamespace(
        input=SimpleNamespace(train=str(tmp_path / "train.jsonl"), test=str(tmp_path / "test.jsonl"),
                              encoder=[str(encoder_dir)]),
        output=[str(tmp_path / "baselines" / "pos.json")],
        params=SimpleNamespace(evaluation=EVALUATION),
        wildcards=SimpleNamespace(task="pos"),
        log=[str(tmp_path / "baselines.log")],
    )
    runpy.run_path(str(scripts / "baselines.py"), init_globals={"snakemake": job})
    baselines = json.loads((tmp_path / "baselines" / "pos.json").read_text("utf-8"))
    assert baselines["max_match_most_frequent_tag"]["score"] == 100.0
    assert baselines["empty"]["score"] == 0.0
