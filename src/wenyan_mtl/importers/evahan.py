"""Part-of-speech records from EvaHan 2022 files.

Format: UTF-8 (often with a byte order mark), CRLF, one sentence per line as
`word/TAG` tokens separated by spaces, and a blank line after each document.
Every non-blank line is one item and one record: input is the words joined
without spaces, output is the tokens in `formats.render_pos` form. A token with
no tag or no word rejects the whole line, naming the 1-based token index.
"""

from __future__ import annotations

from pathlib import Path

from ..formats import Tagged, render_pos
from ..records import ImportResult
from .common import LineRejected, import_text_lines


def parse_tokens(text: str) -> tuple[list[tuple[str, str]], tuple[int, str] | None]:
    """Split a line into (word, tag) pairs; return the first bad (token index, token) too.

    The tag is what follows the last `/`, so a word that is itself `/` (as in
    `//w`) keeps its slash.
    """
    tokens = []
    for index, piece in enumerate(text.split(), start=1):
        word, slash, tag = piece.rpartition("/")
        if not slash or not word or not tag:
            return tokens, (index, piece)
        tokens.append((word, tag))
    return tokens, None


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    return import_text_lines(paths, task=task, data_root=data_root, parse=parse_line)


def parse_line(text: str) -> tuple[str, str]:
    """Return (words, tagged output) of one line, or raise LineRejected naming the bad token."""
    tokens, bad = parse_tokens(text)
    if bad is not None:
        index, piece = bad
        missing = "no word" if piece.startswith("/") else "no tag"
        raise LineRejected(f"token {index}", f"malformed token: {piece!r} has {missing}")
    return "".join(word for word, _ in tokens), render_pos(Tagged(tuple(tokens)))
