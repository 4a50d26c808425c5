"""The gain heatmap renders Chinese names and minus signs without missing glyphs."""

import warnings

import numpy as np
import pandas as pd
from matplotlib.ft2font import FT2Font

from wenyan_mtl.analysis.fonts import MINUS_SIGN, cjk_font
from wenyan_mtl.analysis.heatmap import format_gain, plot_gain_heatmap

TASKS = ["punctuation", "pos", "ner", "historical_figure"]


def gains():
    values = np.array([
        [np.nan, -0.18, 1.43, -22.87],
        [0.98, np.nan, 0.0, 3.91],
        [-0.11, 0.26, np.nan, -0.004],
        [-2.5, 0.12, -0.41, np.nan],
    ])
    return pd.DataFrame(values, index=TASKS, columns=TASKS)


def test_font_has_cjk_and_minus():
    font = cjk_font()
    charmap = FT2Font(font.path).get_charmap()
    assert ord("句") in charmap
    assert ord("历") in charmap
    assert font.has_minus_sign == (MINUS_SIGN in charmap)
    assert font.rc_params()["axes.unicode_minus"] == font.has_minus_sign


def test_format_gain_signs():
    assert format_gain(-0.18, "\u2212") == "\u22120.18"
    assert format_gain(1.434, "\u2212") == "+1.43"
    assert format_gain(-0.004, "\u2212") == "0.00"
    assert format_gain(-22.87, "-") == "-22.87"
    assert format_gain(float("nan"), "\u2212") == "n/a"


def test_heatmap_without_missing_glyphs(tmp_path):
    significant = pd.DataFrame(False, index=TASKS, columns=TASKS)
    significant.at["punctuation", "historical_figure"] = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_gain_heatmap(gains(), tmp_path / "h.png", tmp_path / "h.pdf", significant)
    messages = [str(warning.message) for warning in caught]
    assert not [message for message in messages if "Glyph" in message or "missing" in message], messages
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "h.pdf").read_bytes()[:5] == b"%PDF-"


def test_heatmap_all_gains_one_sign(tmp_path):
    positive = gains().abs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_gain_heatmap(positive, tmp_path / "p.png", tmp_path / "p.pdf")
    assert not caught, [str(warning.message) for warning in caught]
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_heatmap_undefined_row(tmp_path):
    undefined = gains()
    undefined.loc["ner"] = np.nan
    significant = pd.DataFrame(False, index=TASKS, columns=TASKS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_gain_heatmap(undefined, tmp_path / "u.png", tmp_path / "u.pdf", significant)
    assert not caught, [str(warning.message) for warning in caught]
    assert (tmp_path / "u.png").stat().st_size > 10_000
    assert (tmp_path / "u.pdf").read_bytes()[:5] == b"%PDF-"
