"""Table 3 rows and the cross-task leakage counts, on hand-made records."""

from __future__ import annotations

import csv
import json
import time

from wenyan_mtl.datareport import leakage_matrix, table3_rows, write_data_report
from wenyan_mtl.records import Record, write_json, write_jsonl


def rec(task: str, number: int, text: str, output: str = "答") -> Record:
    return Record(f"{task}/{number:016x}", task, "指令", text, output, f"x:{number}")


def hand_made():
    train = {
        "punctuation": [rec("punctuation", 1, "颜回见仲尼请行", "颜回见仲尼，请行。"), rec("punctuation", 2, "子曰学而时习之")],
        "translation": [
            rec("translation", 3, "黄帝者，少典之子，姓公孙，名曰轩辕。", "黄帝是少典的后裔。"),
            rec("translation", 4, "颜回见仲尼，请行。", "颜回去见孔子，向他辞行。"),
        ],
    }
    test = {
        "punctuation": [
            rec("punctuation", 5, "黄帝者少典之子"),  # 7 chars: short, but not an exact match anywhere
            rec("punctuation", 6, "姓公孙名曰轩辕"),  # short
            rec("punctuation", 7, "颜回见仲尼请行"),  # exact in both train sets after normalisation
            rec("punctuation", 8, "少典之子姓公孙名曰"),  # 9 chars, inside translation's classical text
        ],
        "translation": [
            rec("translation", 9, "子曰：学而时习之。"),  # short, exact in punctuation train input
            rec("translation", 10, "学而时习之"),  # short, substring only: not counted
            rec("translation", 11, "天下大乱，诸侯相攻"),  # nowhere
        ],
    }
    return train, test


def cells_by_pair(cells):
    return {(cell.test_task, cell.train_task): cell for cell in cells}


def test_leakage_exact_counts():
    train, test = hand_made()
    cells = cells_by_pair(leakage_matrix(["punctuation", "translation"], train, test, min_length=8))
    assert len(cells) == 4
    pt = cells[("punctuation", "translation")]
    assert (pt.test_inputs, pt.short_inputs, pt.exact, pt.contained) == (4, 3, 1, 2)
    pp = cells[("punctuation", "punctuation")]
    assert (pp.exact, pp.contained) == (1, 1)
    tp = cells[("translation", "punctuation")]
    assert (tp.test_inputs, tp.short_inputs, tp.exact, tp.contained) == (3, 2, 1, 1)
    tt = cells[("translation", "translation")]
    assert (tt.exact, tt.contained) == (0, 0)


def test_leakage_min_length_changes_substring_count():
    train, test = hand_made()
    cells = cells_by_pair(leakage_matrix(["punctuation", "translation"], train, test, min_length=5))
    assert cells[("punctuation", "translation")].contained == 4
    assert cells[("translation", "punctuation")].contained == 2


def test_leakage_row_rate():
    train, test = hand_made()
    cells = cells_by_pair(leakage_matrix(["punctuation", "translation"], train, test, min_length=8))
    assert cells[("punctuation", "translation")].row()["contained_rate"] == 0.5


def test_leakage_scales_to_tens_of_thousands():
    train_records = [rec("a", n, f"第{n}句文言文之甲乙丙丁戊己庚辛", f"现代文第{n}句") for n in range(30_000)]
    test_records = [rec("b", n, f"第{n}句文言文之甲乙丙") for n in range(29_000, 39_000)]
    started = time.perf_counter()
    cells = cells_by_pair(leakage_matrix(["a", "b"], {"a": train_records, "b": []}, {"a": [], "b": test_records}))
    elapsed = time.perf_counter() - started
    assert cells[("b", "a")].contained == 1000
    assert cells[("b", "a")].exact == 0
    assert elapsed < 20


def test_table3_rows():
    imported = {
        "task": "pos",
        "sources": [{"format": "evahan", "files": ["a.txt", "b.txt"], "items_in": 12, "kept": 10, "rejected": 2}],
        "items_in": 12,
        "records": 10,
        "rejected": 2,
    }
    split = {"counts": {"train": 8, "dev": 1, "test": 1}, "dropped_by_cap": {"train": 0, "dev": 0, "test": 0}}
    rows = table3_rows(["pos"], [imported], [split])
    assert rows == [
        {
            "task": "pos", "name_zh": "词性标注", "sources": "evahan (2 files)", "items_in": 12, "rejected": 2,
            "records": 10, "train": 8, "dev": 1, "test": 1, "dropped_by_cap": 0,
        }
    ]


def test_write_data_report_files(tmp_path):
    train, test = hand_made()
    paths = {}
    for task in ("punctuation", "translation"):
        write_jsonl(tmp_path / f"{task}/train.jsonl", train[task])
        write_jsonl(tmp_path / f"{task}/test.jsonl", test[task])
        total = len(train[task]) + len(test[task])
        write_json(tmp_path / f"{task}/import_stats.json", {
            "task": task, "sources": [{"format": "alpaca", "files": ["x"]}],
            "items_in": total + 1, "records": total, "rejected": 1,
        })
        write_json(tmp_path / f"{task}/split_stats.json", {
            "counts": {"train": len(train[task]), "dev": 0, "test": len(test[task])},
            "dropped_by_cap": {"train": 0, "dev": 0, "test": 0},
        })
        paths[task] = tmp_path / task
    tasks = ["punctuation", "translation"]
    outputs = {name: tmp_path / f"out/{name}" for name in ("table", "markdown", "leakage", "leakage_markdown")}
    write_data_report(
        tasks,
        [paths[t] / "import_stats.json" for t in tasks],
        [paths[t] / "split_stats.json" for t in tasks],
        [paths[t] / "train.jsonl" for t in tasks],
        [paths[t] / "test.jsonl" for t in tasks],
        outputs,
    )
    table = list(csv.DictReader(outputs["table"].open(encoding="utf-8")))
    assert [(row["task"], row["name_zh"], row["train"], row["test"]) for row in table] == [
        ("punctuation", "句读", "2", "4"),
        ("translation", "翻译", "2", "3"),
    ]
    leakage = list(csv.DictReader(outputs["leakage"].open(encoding="utf-8")))
    assert [(row["test_task"], row["train_task"], row["contained"]) for row in leakage] == [
        ("punctuation", "punctuation", "1"),
        ("punctuation", "translation", "2"),
        ("translation", "punctuation", "1"),
        ("translation", "translation", "0"),
    ]
    assert "| test_task |" in outputs["leakage_markdown"].read_text(encoding="utf-8")
    assert "句读" in outputs["markdown"].read_text(encoding="utf-8")
    assert json.loads((paths["punctuation"] / "import_stats.json").read_text())["rejected"] == 1
