"""The `analyze` command on the study's published Table 5 and Table 8 reproduces its Tables 6, 7 and 8."""

import argparse
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from wenyan_mtl.analysis import cli
from wenyan_mtl.analysis.names import resolve_task

FIXTURES = Path(__file__).parent / "fixtures" / "published"
REPO = Path(__file__).resolve().parents[1]


def read_rows(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_matrix(path):
    matrix = {}
    for row in read_rows(path):
        main = resolve_task(row.pop("task"))
        matrix[main] = {resolve_task(name): (float(value) if value else None) for name, value in row.items()}
    return matrix


def run_cli(out_dir):
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args([
        "analyze", "--matrix", str(FIXTURES / "table5_scores.csv"),
        "--ten-task", str(FIXTURES / "table8_ten_task.csv"), "--out", str(out_dir),
    ])
    assert args.func(args) == 0


@pytest.fixture(scope="module")
def analysis_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("published")
    run_cli(out)
    return out


def test_gain_rates_match_table6(analysis_dir):
    computed = read_matrix(analysis_dir / "gain_matrix.csv")
    expected = read_matrix(FIXTURES / "table6_gain_rates.csv")
    assert set(computed) == set(expected)
    cells = 0
    for main, row in expected.items():
        for auxiliary, value in row.items():
            if main == auxiliary:
                assert computed[main][auxiliary] is None
                continue
            assert computed[main][auxiliary] == pytest.approx(value, abs=0.025), (main, auxiliary)
            cells += 1
    assert cells == 90


def test_stability_matches_table7(analysis_dir):
    computed = {row["task"]: row for row in read_rows(analysis_dir / "stability.csv")}
    assert list(read_rows(analysis_dir / "stability.csv")[0]) == [
        "task", "single", "max", "max_source", "min", "min_source", "range", "std",
    ]
    for expected in read_rows(FIXTURES / "table7_stability.csv"):
        task = resolve_task(expected["task"])
        row = computed[task]
        assert round(float(row["single"]), 2) == float(expected["single"]), task
        assert round(float(row["max"]), 2) == float(expected["max"]), task
        assert round(float(row["min"]), 2) == float(expected["min"]), task
        assert round(float(row["range"]), 2) == float(expected["range"]), task
        expected_max_source = resolve_task(expected["max_source"]) if expected["max_source"] else ""
        expected_min_source = resolve_task(expected["min_source"]) if expected["min_source"] else ""
        assert row["max_source"] == expected_max_source, task
        assert row["min_source"] == expected_min_source, task
        assert float(row["std"]) == pytest.approx(float(expected["std"]), abs=0.005), task


def test_ten_task_matches_table8(analysis_dir):
    rows = read_rows(analysis_dir / "ten_task.csv")
    assert list(rows[0]) == ["task", "ten_task", "single", "delta"]
    computed = {row["task"]: row for row in rows}
    for expected in read_rows(FIXTURES / "table8_delta.csv"):
        row = computed[resolve_task(expected["task"])]
        assert round(float(row["delta"]), 2) == float(expected["delta"])
        assert float(row["ten_task"]) == float(expected["ten_task"])
        assert float(row["single"]) == float(expected["single"])


def test_summary_counts_23_positive(analysis_dir):
    summary = json.loads((analysis_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["positive"] == 23
    assert summary["zero"] == 1
    assert summary["negative"] == 66
    assert summary["total"] == 90
    assert summary["significance_tested"] is False


def test_type_synergy_basic_block(analysis_dir):
    rows = {(row["main_type"], row["auxiliary_type"]): row for row in read_rows(analysis_dir / "type_synergy.csv")}
    basic = rows[("basic", "basic")]
    assert (int(basic["positive"]), int(basic["zero"]), int(basic["negative"])) == (5, 0, 7)
    assert float(basic["positive_share"]) == pytest.approx(5 / 12)
    translation_from_basic = rows[("translation", "basic")]
    assert (int(translation_from_basic["positive"]), int(translation_from_basic["zero"])) == (2, 1)
    assert sum(int(row["total"]) for row in rows.values()) == 90


def test_outputs_and_no_significance_note(analysis_dir):
    for name in ("heatmap.png", "heatmap.pdf", "report.md", "gain_matrix.md", "stability.md", "ten_task.md"):
        assert (analysis_dir / name).stat().st_size > 0, name
    assert not (analysis_dir / "significance.csv").exists()
    report = (analysis_dir / "report.md").read_text(encoding="utf-8")
    assert "No significance test was run" in report
    assert "词性标注" in report
    assert "| 词语解释 | 49.00 | 50.92 | 命名实体识别 | 37.80 | 诗歌赏析 | 13.12 | 4.0139 |" in report


def test_command_line_subprocess(tmp_path):
    executable = Path(sys.executable).with_name("wenyan-mtl")
    if not executable.exists():
        pytest.skip(f"{executable} is not installed; run `pip install -e .`")
    completed = subprocess.run(
        [str(executable), "analyze", "--matrix", str(FIXTURES / "table5_scores.csv"),
         "--ten-task", str(FIXTURES / "table8_ten_task.csv"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert completed.returncode == 0, completed.stderr
    assert '"positive": 23' in completed.stdout
    assert "No significance test was run" in completed.stdout
    gains = read_matrix(tmp_path / "out" / "gain_matrix.csv")
    assert gains["word_explanation"]["poetry_appreciation"] == pytest.approx(-22.87, abs=0.025)
    assert math.isclose(
        float(read_rows(tmp_path / "out" / "stability.csv")[5]["range"]), 13.12, abs_tol=1e-9
    )
