"""Trivial reference systems per task, scored with the task's metric on its test split.

Every task gets `empty` (no output) and `copy_input` (the input unchanged). Tasks
add do-nothing or frequency systems built from the train split only:
- punctuation: `final_period`, the bare text with one `。` at the end;
- pos: `most_frequent_tag`, every character a word with the most frequent train
  tag, and `max_match_most_frequent_tag`, forward maximum matching against the
  train vocabulary with each word's most frequent train tag;
- ner: `no_entities`, the plain passage;
- event: `no_events` (`无`) and `trigger_lexicon`, train triggers found in the
  text with their most frequent train label;
- text tasks: `most_frequent_output`, the most frequent train output;
- poetry_generation: `train_poem_same_form`, the first train poem (by id) of the
  requested form.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Sequence

from ..formats import NO_EVENT, Events, parse_event, parse_ner, render_event
from ..records import Record
from . import ScoringContext, score_task
from .poetry_form import parse_request
from .pos import parse_tokens

log = logging.getLogger(__name__)

MAX_MATCH_WORD_LENGTH = 8
# A train trigger enters the lexicon when at least this share of its occurrences
# in train sentences are annotated as triggers.
TRIGGER_RATE_THRESHOLD = 0.5
TEXT_TASKS = ("translation", "word_explanation", "reverse_dictionary", "historical_figure",
              "poetry_appreciation", "poetry_generation")


def most_frequent(values) -> str:
    """Return the most frequent value; ties go to the smallest, so the choice never depends on order."""
    counts = Counter(values)
    if not counts:
        raise ValueError("most_frequent: no values")
    return min(counts, key=lambda value: (-counts[value], value))


def _pos_tables(train: Sequence[Record]) -> tuple[dict[str, str], str]:
    tags_by_word: dict[str, Counter] = defaultdict(Counter)
    for record in train:
        tokens, _ = parse_tokens(record.output)
        for word, tag in tokens:
            if tag is not None:
                tags_by_word[word][tag] += 1
    if not tags_by_word:
        raise ValueError("pos baselines: the train split has no tagged words")
    all_tags = Counter()
    for counts in tags_by_word.values():
        all_tags.update(counts)
    best = {word: min(counts, key=lambda tag: (-counts[tag], tag)) for word, counts in tags_by_word.items()}
    return best, min(all_tags, key=lambda tag: (-all_tags[tag], tag))


def _max_match(text: str, vocabulary: dict[str, str], default_tag: str) -> str:
    tokens = []
    position = 0
    while position < len(text):
        for length in range(min(MAX_MATCH_WORD_LENGTH, len(text) - position), 0, -1):
            word = text[position:position + length]
            if length == 1 or word in vocabulary:
                break
        tokens.append(f"{word}/{vocabulary.get(word, default_tag)}")
        position += length
    return " ".join(tokens)


def _trigger_lexicon(train: Sequence[Record]) -> dict[str, str]:
    labels: dict[str, Counter] = defaultdict(Counter)
    for record in train:
        for trigger, label in parse_event(record.output).items:
            labels[trigger][label] += 1
    lexicon = {}
    for trigger, counts in labels.items():
        occurrences = sum(record.input.count(trigger) for record in train)
        if occurrences and sum(counts.values()) / occurrences >= TRIGGER_RATE_THRESHOLD:
            lexicon[trigger] = min(counts, key=lambda label: (-counts[label], label))
    return lexicon


def _lexicon_events(text: str, lexicon: dict[str, str]) -> str:
    longest = max((len(trigger) for trigger in lexicon), default=0)
    items = []
    position = 0
    while position < len(text):
        for length in range(min(longest, len(text) - position), 0, -1):
            candidate = text[position:position + length]
            if candidate in lexicon:
                items.append((candidate, lexicon[candidate]))
                position += length
                break
        else:
            position += 1
    return render_event(Events(tuple(items)))


def baseline_predictions(task: str, train: Sequence[Record], test: Sequence[Record]) -> dict[str, list[str]]:
    """Build the outputs of every baseline of `task` on the test records, in test order."""
    systems: dict[str, list[str]] = {
        "empty": ["" for _ in test],
        "copy_input": [record.input for record in test],
    }
    if task == "punctuation":
        systems["final_period"] = [record.input + "。" for record in test]
    elif task == "pos":
        best_tags, default_tag = _pos_tables(train)
        characters = ["".join(word for word, _ in parse_tokens(record.output)[0]) for record in test]
        systems["most_frequent_tag"] = [" ".join(f"{char}/{default_tag}" for char in text) for text in characters]
        systems["max_match_most_frequent_tag"] = [_max_match(text, best_tags, default_tag) for text in characters]
    elif task == "ner":
        systems["no_entities"] = [parse_ner(record.output).text for record in test]
    elif task == "event":
        systems["no_events"] = [NO_EVENT for _ in test]
        lexicon = _trigger_lexicon(train)
        log.info("event baselines: trigger lexicon of %d entries", len(lexicon))
        systems["trigger_lexicon"] = [_lexicon_events(record.input, lexicon) for record in test]
    if task in TEXT_TASKS:
        if not train:
            raise ValueError(f"{task} baselines: the train split is empty")
        frequent = most_frequent(record.output for record in train)
        systems["most_frequent_output"] = [frequent for _ in test]
    if task == "poetry_generation":
        first_by_form: dict[str, str] = {}
        for record in sorted(train, key=lambda r: r.id):
            first_by_form.setdefault(parse_request(record.input)[1], record.output)
        systems["train_poem_same_form"] = [
            first_by_form.get(parse_request(record.input)[1], frequent) for record in test
        ]
    return systems


def score_baselines(task: str, train: Sequence[Record], test: Sequence[Record],
                    context: ScoringContext | None = None) -> dict:
    """Score every baseline of `task` as `{baseline name: entry}`, each entry shaped like a scores.json task entry.

    The train split size, which the frequency baselines learn from, is in each
    entry's details as `n_train`.
    """
    if not test:
        raise ValueError(f"{task} baselines: the test split is empty")
    context = context or ScoringContext()
    entries = {}
    for name, predictions in baseline_predictions(task, train, test).items():
        items = [
            {"id": record.id, "input": record.input, "reference": record.output, "prediction": prediction}
            for record, prediction in zip(test, predictions)
        ]
        result = score_task(task, items, context)
        entry = result.entry()
        entry["details"]["n_train"] = len(train)
        entries[name] = entry
        log.info("baseline %s/%s: %s = %.2f", task, name, result.metric, result.score)
    return entries
