"""Running a training entry point in this process or, for several GPUs, under torchrun."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("wenyan_mtl.model")


def gpu_count(resources) -> int:
    """Read the `gpu` resource of a rule (1 when it is not set)."""
    value = getattr(resources, "gpu", 1) if resources is not None else 1
    return max(1, int(value or 1))


def write_spec(spec: dict, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_spec(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def run_distributed(entry_module: str, spec_path, nproc: int) -> None:
    """Run `python -m <entry_module> --spec <spec_path>` under torchrun with `nproc` processes.

    The command is an argument list (no shell), and a non-zero exit raises.
    """
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        str(nproc),
        "-m",
        entry_module,
        "--spec",
        str(spec_path),
    ]
    log.info("launching %d training processes: %s", nproc, " ".join(command))
    completed = subprocess.run(command, env=dict(os.environ), check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"distributed training ({entry_module}, spec {spec_path}) failed with exit code {completed.returncode}")


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))
