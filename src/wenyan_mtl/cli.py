"""The `wenyan-mtl` command line."""

from __future__ import annotations

import argparse
import sys

from .records import InputError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wenyan-mtl",
        description="Multi-task LoRA fine-tuning and task-gain analysis for Classical Chinese LLMs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    from .analysis import cli as analysis_cli
    from . import planview

    analysis_cli.add_parser(commands)
    planview.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (InputError, ValueError, KeyError, FileNotFoundError) as error:
        # Bad input is the user's to fix: one line that names the file and field, no traceback.
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"wenyan-mtl {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
