"""Raw corpus cleaning for continued pretraining: decoding, line cleaning, statistics and merge."""

from wenyan_mtl.corpus.clean import DROP_REASONS, LineCleaner
from wenyan_mtl.corpus.decode import Encoding, detect_encoding
from wenyan_mtl.corpus.sources import clean_source
from wenyan_mtl.corpus.stats import merge_corpus

__all__ = ["DROP_REASONS", "Encoding", "LineCleaner", "clean_source", "detect_encoding", "merge_corpus"]
