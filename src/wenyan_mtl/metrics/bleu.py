"""Corpus BLEU-4 (sacrebleu, exponential smoothing) on text split into single CJK characters.

sacrebleu's `tokenize='zh'` (checked in sacrebleu 2.6.0) writes its Extension B
range as the string '\\u20000', which Python reads as U+2000 followed by '0',
so characters at U+20000 and above (𠀀, 𪚥, ...) stay glued to their
neighbours. `tokenize_cjk_chars` splits every character of the CJK ranges,
all of planes 2 and 3 included, and then applies sacrebleu's regular-expression
tokenizer to the remaining text, as `zh` does. BLEU then runs with
`tokenize='none'` on the pre-tokenized text.
"""

from __future__ import annotations

from functools import lru_cache

from sacrebleu.metrics.bleu import BLEU, BLEUScore
from sacrebleu.tokenizers.tokenizer_re import TokenizerRegexp

from .common import package_version

METRIC = "bleu4"
TOKENIZER_NAME = "cjk-char"
SMOOTH_METHOD = "exp"

# (first, last) code points, inclusive: sacrebleu's zh ranges with the
# supplementary planes written as real code points.
_CJK_RANGES = (
    (0x2E80, 0x2EFF),  # CJK Radicals Supplement
    (0x2F00, 0x2FDF),  # Kangxi Radicals
    (0x2FF0, 0x2FFF),  # Ideographic Description Characters
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),  # Bopomofo Extended
    (0x31C0, 0x31EF),  # CJK Strokes
    (0x3200, 0x33FF),  # Enclosed CJK Letters, CJK Compatibility
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
    (0x20000, 0x3FFFF),  # planes 2 and 3: Extensions B-J and the Compatibility Supplement
)

_regexp_tokenizer = TokenizerRegexp()


def is_cjk_char(char: str) -> bool:
    code = ord(char)
    return any(first <= code <= last for first, last in _CJK_RANGES)


@lru_cache(maxsize=2**16)
def tokenize_cjk_chars(text: str) -> str:
    """Put spaces around every CJK character, then tokenize the rest like sacrebleu's zh tokenizer."""
    pieces = []
    for char in text.strip():
        if is_cjk_char(char):
            pieces.append(f" {char} ")
        else:
            pieces.append(char)
    return _regexp_tokenizer("".join(pieces))


def signature() -> str:
    return (
        f"{METRIC}|nrefs:1|case:mixed|eff:no|tok:{TOKENIZER_NAME}|smooth:{SMOOTH_METHOD}"
        f"|sacrebleu:{package_version('sacrebleu')}|wenyan-mtl:{package_version('wenyan-mtl')}"
    )


def make_bleu() -> BLEU:
    return BLEU(tokenize="none", smooth_method=SMOOTH_METHOD, effective_order=True)


def item_stats(reference: str, prediction: str, bleu: BLEU | None = None) -> dict:
    """Return the n-gram sufficient statistics of one item (what corpus BLEU sums)."""
    bleu = bleu or make_bleu()
    result = bleu.sentence_score(tokenize_cjk_chars(prediction), [tokenize_cjk_chars(reference)])
    return {
        "correct": [int(c) for c in result.counts],
        "total": [int(t) for t in result.totals],
        "sys_len": int(result.sys_len),
        "ref_len": int(result.ref_len),
    }


def corpus_bleu(stats) -> BLEUScore:
    """Compute corpus BLEU from summed item statistics (a sacrebleu BLEUScore)."""
    correct = [0, 0, 0, 0]
    total = [0, 0, 0, 0]
    sys_len = ref_len = 0
    for item in stats:
        for n in range(4):
            correct[n] += int(item["correct"][n])
            total[n] += int(item["total"][n])
        sys_len += int(item["sys_len"])
        ref_len += int(item["ref_len"])
    return BLEU.compute_bleu(correct, total, sys_len, ref_len, smooth_method=SMOOTH_METHOD, effective_order=False)
