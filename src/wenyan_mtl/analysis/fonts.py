"""A CJK font for the figures, taken from the `mplfonts` package so that no system font is needed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

# Noto Sans CJK SC as shipped in mplfonts 0.0.11 (mplfonts/fonts/); it has U+2212 MINUS SIGN.
CJK_FONT_FILES = ("NotoSansCJKsc-Regular.otf", "SourceHanSerifSC-Regular.otf", "SimHei.ttf")
MINUS_SIGN = 0x2212


@dataclass(frozen=True)
class CjkFont:
    """A registered CJK font: its file, its family name and whether it draws U+2212."""

    path: str
    family: str
    has_minus_sign: bool

    def rc_params(self) -> dict:
        """Matplotlib settings that make this font the one used for all text.

        When the font has no U+2212, minus signs are drawn as ASCII hyphen-minus,
        which every font has, so that no glyph goes missing.
        """
        return {
            "font.family": [self.family],
            "axes.unicode_minus": self.has_minus_sign,
            "pdf.fonttype": 42,
        }


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    """Register the first CJK font file found in mplfonts with matplotlib and describe it."""
    folder = resources.files("mplfonts").joinpath("fonts")
    for name in CJK_FONT_FILES:
        candidate = folder.joinpath(name)
        if candidate.is_file():
            path = str(candidate)
            font_manager.fontManager.addfont(path)
            face = FT2Font(path)
            return CjkFont(path=path, family=face.family_name, has_minus_sign=MINUS_SIGN in face.get_charmap())
    raise FileNotFoundError(
        f"no CJK font found in the mplfonts package (looked for {', '.join(CJK_FONT_FILES)} in {folder}); "
        "reinstall it with `pip install mplfonts==0.0.11`"
    )
