"""BLEU-4 with the CJK character tokenizer: Extension B splitting and hand-computed values."""

import math

import pytest
from sacrebleu.metrics.bleu import BLEU

from wenyan_mtl.metrics import aggregate, score_task
from wenyan_mtl.metrics.bleu import is_cjk_char, item_stats, signature, tokenize_cjk_chars


def _items(pairs):
    return [
        {"id": str(i), "input": "", "reference": reference, "prediction": prediction}
        for i, (reference, prediction) in enumerate(pairs)
    ]


def test_tokenizer_splits_extension_b_and_beyond():
    assert tokenize_cjk_chars("𠀀𪚥") == "𠀀 𪚥"
    assert tokenize_cjk_chars("之𠀀乎") == "之 𠀀 乎"
    assert is_cjk_char("\U00030000")  # Extension G
    assert is_cjk_char("\U0002F800")  # Compatibility Supplement
    assert not is_cjk_char("a")


def test_tokenizer_keeps_latin_words_and_splits_marks():
    assert tokenize_cjk_chars("王曰：OK, go.") == "王 曰 ： OK , go ."


def test_extension_b_bleu_by_hand():
    # 4 of 6 reference characters, all n-grams correct: precisions 100, BP = exp(1 - 6/4).
    result = score_task("translation", _items([("𠀀𪚥之乎者也", "𠀀𪚥之乎")]))
    stats = result.items[0]["stats"]
    assert stats == {"correct": [4, 3, 2, 1], "total": [4, 3, 2, 1], "sys_len": 4, "ref_len": 6}
    assert result.score == pytest.approx(100 * math.exp(1 - 6 / 4))
    assert result.details["bp"] == pytest.approx(math.exp(-0.5))


def test_exp_smoothing_by_hand():
    # unigrams 4/4, bigrams 1/3, trigrams 0/2 -> 100/(2*2), 4-grams 0/1 -> 100/(4*1).
    result = score_task("translation", _items([("之乎者也", "之乎也者")]))
    expected = (100 * (100 / 3) * 25 * 25) ** 0.25
    assert result.score == pytest.approx(expected)
    assert result.items[0]["stats"]["correct"] == [4, 1, 0, 0]
    assert result.items[0]["stats"]["total"] == [4, 3, 2, 1]


def test_identical_is_100_and_empty_is_0():
    pairs = [("黄帝者，少典之子。", "黄帝者，少典之子。"), ("姓公孙，名曰轩辕。", "姓公孙，名曰轩辕。")]
    assert score_task("translation", _items(pairs)).score == pytest.approx(100.0)
    empty = score_task("word_explanation", _items([(reference, "") for reference, _ in pairs]))
    assert empty.score == 0.0
    assert empty.empty_predictions == 2


def test_aggregate_equals_score_and_sacrebleu_corpus():
    pairs = [
        ("黄帝是少典部族的后裔，姓公孙名轩辕。", "黄帝是少典的子孙，姓公孙，名叫轩辕。"),
        ("他生下来就很神灵，", "他一生下来就很神异，"),
        ("𠀀𪚥之乎者也", "𠀀之乎"),
        ("长大后敦厚敏捷。", ""),
    ]
    result = score_task("translation", _items(pairs))
    stats = [record["stats"] for record in result.items]
    assert aggregate("bleu4", stats) == result.score
    corpus = BLEU(tokenize="none", smooth_method="exp").corpus_score(
        [tokenize_cjk_chars(p) for _, p in pairs], [[tokenize_cjk_chars(r) for r, _ in pairs]]
    )
    assert result.score == pytest.approx(corpus.score, abs=1e-9)


def test_item_stats_match_signature_tokenizer():
    assert "tok:cjk-char" in signature()
    assert "smooth:exp" in signature()
    assert item_stats("之乎", "之乎")["sys_len"] == 2
