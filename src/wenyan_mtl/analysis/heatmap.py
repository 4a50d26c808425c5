"""The gain-rate heatmap: Chinese task names, a diverging colour scale centred at 0, annotated cells."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..tasks import display_name  # noqa: E402
from .fonts import cjk_font  # noqa: E402
from .synergy import UNDEFINED_LABEL, ZERO_GAIN_TOLERANCE  # noqa: E402

SIGNIFICANCE_MARK = "*"
PNG_DPI = 150
COLORMAP = "RdBu"

# fontTools logs every font subsetting step at INFO when the PDF embeds the CJK font.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def format_gain(value: float, minus: str) -> str:
    """Format a gain rate with two decimals and an explicit sign, using `minus` for negatives.

    Gains that count as zero (below ZERO_GAIN_TOLERANCE) print as `0.00` without a
    sign, and an undefined (NaN) gain prints as UNDEFINED_LABEL.
    """
    if not np.isfinite(value):
        return UNDEFINED_LABEL
    if abs(value) < ZERO_GAIN_TOLERANCE:
        return "0.00"
    text = f"{value:+.2f}"
    return text.replace("-", minus) if text.startswith("-") else text


def plot_gain_heatmap(gains: pd.DataFrame, png_path, pdf_path, significant: pd.DataFrame | None = None) -> None:
    """Draw the gain matrix as a heatmap and save it as PNG and PDF.

    `significant` is a boolean matrix of the same layout; its True cells get a
    `*` after the value. Without it the title states that no significance test was run.
    Off-diagonal NaN cells are undefined gains: they stay grey, read UNDEFINED_LABEL,
    and the title explains the label.
    """
    font = cjk_font()
    names = [display_name(task) for task in gains.index]
    values = gains.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    # TwoSlopeNorm needs vmin < 0 < vmax even when every gain has the same sign.
    spread = float(np.max(np.abs(finite))) if finite.size else 1.0
    spread = max(spread, 0.01)
    vmin = float(finite.min()) if finite.size and finite.min() < 0 else -spread
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else spread
    norm = TwoSlopeNorm(vmin=vmin, vcenter=0.0, vmax=vmax)
    minus = "\u2212" if font.has_minus_sign else "-"

    with plt.rc_context(font.rc_params()):
        size = max(5.0, 1.0 + 0.85 * len(names))
        figure, axes = plt.subplots(figsize=(size + 1.6, size))
        image = axes.imshow(np.ma.masked_invalid(values), cmap=COLORMAP, norm=norm)
        axes.set_facecolor("#e6e6e6")
        axes.set_xticks(range(len(names)), labels=names, rotation=45, ha="right", rotation_mode="anchor")
        axes.set_yticks(range(len(names)), labels=names)
        axes.set_xlabel("辅助任务")
        axes.set_ylabel("主任务")

        for row, main in enumerate(gains.index):
            for column, auxiliary in enumerate(gains.columns):
                value = values[row, column]
                if row == column:
                    axes.text(column, row, "—", ha="center", va="center", color="#555555", fontsize=9)
                    continue
                if not np.isfinite(value):
                    axes.text(column, row, UNDEFINED_LABEL, ha="center", va="center", color="#555555", fontsize=8)
                    continue
                label = format_gain(value, minus)
                if significant is not None and bool(significant.at[main, auxiliary]):
                    label += SIGNIFICANCE_MARK
                # White text on the saturated ends of the scale, black near 0.
                color = "white" if abs(norm(value) - 0.5) > 0.3 else "black"
                axes.text(column, row, label, ha="center", va="center", color=color, fontsize=8)

        colorbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
        colorbar.set_ticks(_colorbar_ticks(vmin, vmax))
        colorbar.set_label("增益率 (%)")
        if significant is None:
            title = "任务增益率\n行：主任务，列：辅助任务；未做显著性检验"
        else:
            title = f"任务增益率\n行：主任务，列：辅助任务；{SIGNIFICANCE_MARK}：BH 校正后显著"
        off_diagonal = ~np.eye(len(names), dtype=bool)
        if (off_diagonal & ~np.isfinite(values)).any():
            title += f"\n{UNDEFINED_LABEL}：单任务得分为 0 或缺失，增益率无定义"
        axes.set_title(title, fontsize=10)
        figure.tight_layout()

        Path(png_path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(png_path, dpi=PNG_DPI)
        Path(pdf_path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(pdf_path)
        plt.close(figure)


def _colorbar_ticks(vmin: float, vmax: float) -> list[float]:
    """Place ticks on each side of 0 separately, because the two halves of the scale have different units per cm."""
    negative = [tick for tick in MaxNLocator(4).tick_values(vmin, 0.0) if vmin <= tick < 0]
    positive = [tick for tick in MaxNLocator(4).tick_values(0.0, vmax) if 0 < tick <= vmax]
    return negative + [0.0] + positive
