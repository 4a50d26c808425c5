"""Logging set-up shared by the workflow scripts and the command line."""

from __future__ import annotations

import logging
import sys


def setup_logging(log_path: str | None = None, level: int = logging.INFO) -> logging.Logger:
    """Send log records to `log_path` (a rule's log file) and to stderr.

    Workflow scripts call this first, so that what started, finished, was retried
    or failed lands in the rule's `log:` file with the ids involved, uncaught
    exceptions included.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    logger = logging.getLogger("wenyan_mtl")

    # Snakemake shows a script's traceback only in its own output, which a SLURM
    # user may never see. An uncaught exception therefore goes to the rule log too.
    def log_uncaught(exc_type, exc, tb):
        if not issubclass(exc_type, KeyboardInterrupt):
            logger.critical("failed with an uncaught exception", exc_info=(exc_type, exc, tb))
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = log_uncaught
    return logger
