"""The run plan and the task catalogue."""

import pytest

from wenyan_mtl.plan import pair_run_id, plan_runs
from wenyan_mtl.tasks import TASK_IDS, canonical_order, get_task, pick_instruction


def test_ten_tasks_give_56_runs():
    runs = plan_runs(TASK_IDS)
    assert len(runs) == 56
    assert sum(run.kind == "single" for run in runs) == 10
    assert sum(run.kind == "pair" for run in runs) == 45
    assert runs[-1].id == "all"
    assert runs[-1].tasks == TASK_IDS


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_run_count_formula(count):
    assert len(plan_runs(TASK_IDS[:count])) == count + count * (count - 1) // 2 + 1


def test_pair_ids_are_canonical():
    assert pair_run_id("pos", "punctuation") == "punctuation+pos"
    ids = {run.id for run in plan_runs(["ner", "punctuation", "pos"])}
    assert ids == {"punctuation", "pos", "ner", "punctuation+pos", "punctuation+ner", "pos+ner", "all"}


def test_canonical_order_accepts_chinese_names():
    assert canonical_order(["诗歌生成", "句读"]) == ["punctuation", "poetry_generation"]


def test_unknown_task_names_known_tasks():
    with pytest.raises(KeyError, match="unknown task 'poem'.*punctuation"):
        get_task("poem")


def test_catalogue_names_and_types():
    assert [get_task(t).name_zh for t in TASK_IDS] == [
        "句读", "词性标注", "命名实体识别", "事件识别", "翻译",
        "词语解释", "反向词典", "历史人物知识", "诗歌赏析", "诗歌生成",
    ]
    assert [get_task(t).type for t in TASK_IDS] == ["basic"] * 4 + ["translation"] * 2 + ["generation"] * 4


def test_instruction_choice_is_stable():
    options = ("甲", "乙", "丙")
    chosen = pick_instruction(options, "pos/ab7d3bb8412b4750")
    assert chosen == pick_instruction(options, "pos/ab7d3bb8412b4750")
    assert {pick_instruction(options, f"pos/{i}") for i in range(50)} == set(options)
