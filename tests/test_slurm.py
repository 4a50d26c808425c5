"""The SLURM profile on a real single-node SLURM cluster that these tests start.

Skipped, with the reason, where SLURM cannot run (packages missing, not root,
or a real cluster's /etc/slurm/slurm.conf present). The settings that only
make the test cluster fast (status queries with squeue every 2 s, no account)
go on the command line here, never into the users' profile.
"""

from __future__ import annotations

import json
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from slurm_cluster import (
    CPU_PARTITION,
    GPU_PARTITION,
    LocalSlurm,
    SlurmUnavailable,
    parse_scontrol_record,
    unavailable_reason,
)
from workflow_copy import BIN, REPO, copy_repo, reduced_config_args, run_snakemake, snakemake_env

pytestmark = pytest.mark.slurm

GPU_RULES = {"pretrain_tiny", "cpt", "finetune", "predict", "score", "baselines"}

# Test-cluster settings. Status comes from squeue because there is no slurmdbd
# for sacct, and status checks are frequent because demo jobs take seconds.
TEST_CLUSTER_ARGS = [
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "2",
    "--seconds-between-status-checks", "2",
    "--slurm-no-account",
    "--slurm-keep-successful-logs",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    slurm = LocalSlurm(tmp_path_factory.mktemp("slurm"))
    try:
        slurm.start()
    except SlurmUnavailable as error:
        pytest.skip(str(error))
    yield slurm
    slurm.stop()


def wait_for_job(job_id: str, timeout_s: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True)
        if "JobState=" in result.stdout:
            record = parse_scontrol_record(result.stdout.strip())
            if record["JobState"] not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
                return record
        time.sleep(0.5)
    raise AssertionError(f"SLURM job {job_id} did not finish within {timeout_s} s")


def jobs_by_rule(cluster: LocalSlurm, workdir: Path) -> dict[str, list[dict[str, str]]]:
    """Group the cluster's jobs that ran in `workdir` by the Snakemake rule in their comment."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for job in cluster.jobs():
        if job.get("WorkDir") != str(workdir):
            continue
        comment = job.get("Comment", "")
        assert comment.startswith("rule_"), f"job {job['JobId']} has no rule comment: {comment!r}"
        rule = comment[len("rule_"):].split("_wildcards_")[0]
        grouped.setdefault(rule, []).append(job)
    return grouped


def test_sbatch_gpu_job_runs(cluster, tmp_path):
    output = tmp_path / "job.out"
    job_id = subprocess.run(
        ["sbatch", "--parsable", "-p", GPU_PARTITION, "--gpus=1", "-t", "5", "--mem", "500",
         "-o", str(output), "--wrap", "echo gpu=$CUDA_VISIBLE_DEVICES; srun hostname"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()

    record = wait_for_job(job_id)

    assert record["JobState"] == "COMPLETED"
    assert record["Partition"] == GPU_PARTITION
    assert "gpu:1" in record["TresPerJob"]
    lines = output.read_text().splitlines()
    assert lines[0] in ("gpu=0", "gpu=1")
    assert lines[1] == cluster.node


def test_profile_gpu_rule_request(cluster, tmp_path):
    """A rule named like a GPU rule of the workflow gets the profile's partition, GPU and memory."""
    (tmp_path / "Snakefile").write_text(textwrap.dedent("""
        rule all:
            input: "adapter.txt", "table.txt"
        rule finetune:
            output: "adapter.txt"
            resources: gpu=1
            shell: "echo $SLURM_JOB_PARTITION $CUDA_VISIBLE_DEVICES > {output}"
        rule data_report:
            output: "table.txt"
            shell: "echo $SLURM_JOB_PARTITION > {output}"
    """))

    run_snakemake(tmp_path, "--profile", str(REPO / "slurm"), *TEST_CLUSTER_ARGS, timeout=300)

    partition, visible_gpu = (tmp_path / "adapter.txt").read_text().split()
    assert partition == GPU_PARTITION
    assert visible_gpu in ("0", "1")
    assert (tmp_path / "table.txt").read_text().split() == [CPU_PARTITION]
    jobs = jobs_by_rule(cluster, tmp_path)
    assert set(jobs) == {"finetune", "data_report"}, cluster.jobs()
    (finetune,) = jobs["finetune"]
    assert finetune["Partition"] == GPU_PARTITION
    assert "gpu:1" in finetune["TresPerJob"]
    assert finetune["TimeLimit"] == "12:00:00"
    assert "mem=62.50G" in finetune["TRES"] or "mem=64000M" in finetune["TRES"]
    (report,) = jobs["data_report"]
    assert report["Partition"] == CPU_PARTITION
    assert report.get("TresPerJob", "") in ("", "(null)")


@pytest.mark.slow
def test_timeout_retried_longer(cluster, tmp_path):
    """A job killed at its time limit is resubmitted with the limit times the attempt number."""
    (tmp_path / "Snakefile").write_text(textwrap.dedent("""
        rule all:
            input: "slept.txt"
        rule sleepy:
            output: "slept.txt"
            shell: "sleep 70 && echo done > {output}"
    """))

    started = time.monotonic()
    run_snakemake(
        tmp_path, "--profile", str(REPO / "slurm"), *TEST_CLUSTER_ARGS,
        "--set-resources", "sleepy:runtime=attempt * 1",
        timeout=400,
    )
    elapsed = time.monotonic() - started

    assert (tmp_path / "slept.txt").read_text() == "done\n"
    attempts = sorted(jobs_by_rule(cluster, tmp_path)["sleepy"], key=lambda job: int(job["JobId"]))
    assert [job["TimeLimit"] for job in attempts] == ["00:01:00", "00:02:00"]
    assert [job["JobState"] for job in attempts] == ["TIMEOUT", "COMPLETED"]
    assert elapsed > 130  # the first attempt ran into its 1-minute limit


def running_finetune_jobs() -> dict[str, str]:
    """Return {run id: SLURM job id} of the running fine-tuning jobs of seed 42."""
    result = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i|%k"], capture_output=True, text=True, check=False)
    running = {}
    for line in result.stdout.splitlines():
        job_id, _, comment = line.partition("|")
        prefix, suffix = "rule_finetune_wildcards_", "_42"
        if comment.startswith(prefix) and comment.endswith(suffix):
            running[comment[len(prefix):-len(suffix)]] = job_id
    return running


def last_checkpoint_step(workdir: Path, run: str) -> int | None:
    steps = [
        int(path.name.split("-")[1])
        for path in (workdir / "results/checkpoints" / run / "seed42").glob("checkpoint-*")
        if (path / "trainer_state.json").is_file()
    ]
    return max(steps, default=None)


@pytest.mark.slow
def test_reduced_plan_through_slurm(cluster, tmp_path):
    """The 7-run plan runs end to end through sbatch; a cancelled fine-tuning job resumes on retry."""
    workdir = copy_repo(tmp_path / "workflow")
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["finetune"]["save_steps"] = 1  # a checkpoint every step, so that scancel lands after one
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    started = time.monotonic()
    process = subprocess.Popen(
        [str(BIN / "snakemake"), "--profile", "slurm", *TEST_CLUSTER_ARGS, *reduced_config_args()],
        cwd=workdir, env=snakemake_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    cancelled: tuple[str, str, int] | None = None
    try:
        deadline = time.monotonic() + 1500
        while process.poll() is None and time.monotonic() < deadline:
            if cancelled is None:
                for run, job_id in running_finetune_jobs().items():
                    step = last_checkpoint_step(workdir, run)
                    if step is not None:
                        subprocess.run(["scancel", job_id], check=True)
                        cancelled = (run, job_id, step)
                        break
            time.sleep(0.5)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # SIGINT lets Snakemake cancel its SLURM jobs
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    elapsed = time.monotonic() - started
    print(f"reduced plan through SLURM: {elapsed:.0f} s wall time")

    assert process.returncode == 0, output[-6000:]
    assert cancelled is not None, "no fine-tuning job was seen running with a checkpoint"
    for run in ("punctuation", "pos", "ner", "punctuation+pos", "punctuation+ner", "pos+ner", "all"):
        for name in ("manifest.json", "predictions.jsonl", "scores.json"):
            assert (workdir / "results/runs" / run / "seed42" / name).is_file(), f"{run}: {name} missing"
    for name in ("gain_matrix.csv", "heatmap.png", "summary.json"):
        assert (workdir / "results/analysis" / name).is_file()

    jobs = jobs_by_rule(cluster, workdir)
    assert len(jobs["finetune"]) == 8  # 7 runs and the retry of the cancelled one
    for rule, rule_jobs in jobs.items():
        for job in rule_jobs:
            if rule in GPU_RULES:
                assert job["Partition"] == GPU_PARTITION, f"{rule} job {job['JobId']} ran on {job['Partition']}"
                assert "gpu:1" in job.get("TresPerJob", ""), f"{rule} job {job['JobId']} requested no GPU"
            else:
                assert job["Partition"] == CPU_PARTITION, f"{rule} job {job['JobId']} ran on {job['Partition']}"
                assert "gpu" not in job.get("TresPerJob", ""), f"CPU rule {rule} requested a GPU"

    run, job_id, step = cancelled
    attempts = sorted(
        (job for job in jobs["finetune"] if job["Comment"] == f"rule_finetune_wildcards_{run}_42"),
        key=lambda job: int(job["JobId"]),
    )
    assert [job["JobState"] for job in attempts] == ["CANCELLED", "COMPLETED"]
    assert attempts[0]["JobId"] == job_id
    assert [job["TimeLimit"] for job in attempts] == ["12:00:00", "1-00:00:00"]
    manifest = json.loads((workdir / "results/runs" / run / "seed42/manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed_from_step"] >= step > 0
