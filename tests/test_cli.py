"""The command line: clean errors for bad input, several config files for `plan`."""

import subprocess
import sys
from pathlib import Path

from wenyan_mtl.cli import build_parser

CLI = str(Path(sys.executable).with_name("wenyan-mtl"))


def test_analyze_unknown_task_is_one_line_error(tmp_path):
    matrix = tmp_path / "bad.csv"
    matrix.write_text("task,punctuation,bogus\npunctuation,1,2\nbogus,3,4\n", encoding="utf-8")
    result = subprocess.run(
        [CLI, "analyze", "--matrix", str(matrix), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{matrix}, line 1, field 'column 3': unknown task 'bogus'" in result.stderr


def test_plan_takes_several_config_files():
    parser = build_parser()
    args = parser.parse_args(["plan", "--configfile", "a.yaml", "b.yaml", "--configfile", "c.yaml"])
    assert args.configfiles == ["a.yaml", "b.yaml", "c.yaml"]
