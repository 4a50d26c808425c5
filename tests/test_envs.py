"""The conda environment spec pins exactly what pyproject.toml pins."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_conda_env_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    pinned = set(project["project"]["dependencies"])
    env = yaml.safe_load((ROOT / "envs" / "wenyan-mtl.yaml").read_text("utf-8"))
    pip_section = next(item for item in env["dependencies"] if isinstance(item, dict))
    requirements = set(pip_section["pip"])
    assert "-e .." in requirements
    assert requirements - {"-e .."} == pinned
