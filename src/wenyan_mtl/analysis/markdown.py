"""Markdown versions of the analysis tables, with Chinese display names for tasks and task types."""

from __future__ import annotations

import math

import pandas as pd

from ..tasks import display_name
from .synergy import TYPE_NAMES_ZH, UNDEFINED_LABEL, ZERO_GAIN_TOLERANCE


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """Render a GitHub-flavoured Markdown table; `|` inside cells is escaped."""
    def line(cells):
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header))] + [line(row) for row in rows]) + "\n"


def number(value, digits: int = 2, signed: bool = False) -> str:
    """Format a number for a table; NaN and None print as `—`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def task_name(task: str) -> str:
    """Return the Chinese display name of a task id; an empty id prints as `—`."""
    return display_name(task) if task else "—"


def score_matrix_markdown(scores: pd.DataFrame, sd: pd.DataFrame | None = None) -> str:
    """Render the score matrix; with `sd` (several seeds) each cell reads `mean ± sd`."""
    header = ["主任务＼辅助任务"] + [task_name(task) for task in scores.columns]
    rows = []
    for main in scores.index:
        cells = []
        for auxiliary in scores.columns:
            cell = number(float(scores.at[main, auxiliary]))
            if sd is not None:
                cell += " ± " + number(float(sd.at[main, auxiliary]))
            cells.append(cell)
        rows.append([task_name(main)] + cells)
    return markdown_table(header, rows)


def gain_matrix_markdown(gains: pd.DataFrame, significant: pd.DataFrame | None = None) -> str:
    """Render the gain-rate matrix in percent; BH-significant cells get `*`, undefined gains read UNDEFINED_LABEL."""
    header = ["主任务＼辅助任务"] + [task_name(task) for task in gains.columns]
    rows = []
    for main in gains.index:
        cells = []
        for auxiliary in gains.columns:
            value = float(gains.at[main, auxiliary])
            if main == auxiliary:
                cells.append("—")
                continue
            if math.isnan(value):
                cells.append(UNDEFINED_LABEL)
                continue
            cell = "0.00" if abs(value) < ZERO_GAIN_TOLERANCE else number(value, signed=True)
            if significant is not None and bool(significant.at[main, auxiliary]):
                cell += "*"
            cells.append(cell)
        rows.append([task_name(main)] + cells)
    return markdown_table(header, rows)


def stability_markdown(stability: pd.DataFrame) -> str:
    header = ["任务", "单任务", "最大值", "最大值来源", "最小值", "最小值来源", "绝对值差", "标准差"]
    rows = [
        [
            task_name(row.task), number(row.single), number(row.max), task_name(row.max_source),
            number(row.min), task_name(row.min_source), number(row.range), number(row.std, 4),
        ]
        for row in stability.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def ten_task_markdown(table: pd.DataFrame) -> str:
    header = ["任务", "十任务", "单任务", "Δ"]
    rows = [
        [task_name(row.task), number(row.ten_task), number(row.single), number(row.delta, signed=True)]
        for row in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def synergy_markdown(table: pd.DataFrame) -> str:
    header = ["主任务类型", "辅助任务类型", "正增益", "持平", "负增益", "无定义", "合计", "正增益占比"]
    rows = [
        [
            TYPE_NAMES_ZH[row.main_type], TYPE_NAMES_ZH[row.auxiliary_type], row.positive, row.zero,
            row.negative, row.undefined, row.total, "—" if math.isnan(row.positive_share) else f"{100 * row.positive_share:.1f}%",
        ]
        for row in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def summary_markdown(summary: dict) -> str:
    text = (
        f"Of {summary['total']} directed gains, {summary['positive']} are positive, {summary['zero']} zero, "
        f"{summary['negative']} negative and {summary['undefined']} undefined; a gain counts as zero when "
        f"|gain| < {ZERO_GAIN_TOLERANCE} percent points, i.e. when it prints as 0.00.\n"
    )
    if summary.get("undefined_tasks"):
        names = ", ".join(task_name(task) for task in summary["undefined_tasks"])
        text += (
            f"\nThe single-task score is 0 or missing for {names}, so every gain with that main task is undefined "
            f"({UNDEFINED_LABEL}); undefined gains count as neither positive, zero nor negative.\n"
        )
    return text


def significance_markdown(table: pd.DataFrame) -> str:
    header = ["主任务", "辅助任务", "增益率 (%)", "95% CI", "p", "q (BH)", "显著", "测试项数", "未检验原因"]
    rows = [
        [
            task_name(row.main), task_name(row.auxiliary),
            UNDEFINED_LABEL if math.isnan(row.gain) else number(row.gain, signed=True),
            f"[{number(row.ci_low, signed=True)}, {number(row.ci_high, signed=True)}]",
            number(row.p_value, 4), number(row.q_value, 4), "*" if row.significant else "", row.n_items,
            row.untested_reason,
        ]
        for row in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def seeds_markdown(table: pd.DataFrame) -> str:
    header = [
        "主任务", "辅助任务", "种子数", "得分均值", "得分标准差", "增益率均值 (%)", "增益率标准差", "增益无定义的种子数",
        "符号一致率",
    ]
    rows = [
        [
            task_name(row.main), "十任务" if row.auxiliary == "all" else task_name(row.auxiliary), row.n_seeds,
            number(row.score_mean), number(row.score_sd), _seed_gain(row.gain_mean, row), number(row.gain_sd),
            "—" if row.main == row.auxiliary else row.undefined_seeds,
            "—" if math.isnan(row.sign_agreement) else f"{100 * row.sign_agreement:.0f}%",
        ]
        for row in table.itertuples(index=False)
    ]
    return markdown_table(header, rows)


def _seed_gain(value: float, row) -> str:
    if row.main != row.auxiliary and math.isnan(value):
        return UNDEFINED_LABEL
    return number(value, signed=True)


def baselines_markdown(single: pd.Series, baselines: pd.DataFrame) -> str:
    """Render single-task scores next to each baseline's score on the same test split."""
    names = sorted(baselines["baseline"].unique()) if len(baselines) else []
    header = ["任务", "指标", "单任务"] + names
    rows = []
    for task in single.index:
        entries = baselines[baselines["task"] == task]
        metric = entries["metric"].iloc[0] if len(entries) else ""
        cells = []
        for name in names:
            match = entries[entries["baseline"] == name]
            cells.append(number(float(match["score"].iloc[0])) if len(match) else "—")
        rows.append([task_name(task), metric, number(float(single[task]))] + cells)
    return markdown_table(header, rows)


def provenance_markdown(table: pd.DataFrame) -> str:
    """Render the provenance of every score: run, seed, task, metric, score and its signature."""
    header = ["run", "seed", "任务", "metric", "score", "items", "malformed", "empty", "signature"]
    rows = [
        [
            row["run"], row["seed"], task_name(row["task"]), row["metric"], number(row["score"]), row["n_items"],
            row["malformed"], row["empty_predictions"], row["signature"],
        ]
        for _, row in table.iterrows()
    ]
    return markdown_table(header, rows)
