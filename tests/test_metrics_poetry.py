"""Deterministic poem form scorer: structure, rhyme and 平仄 on known poems."""

import pytest

from wenyan_mtl.metrics import aggregate, score_task
from wenyan_mtl.metrics.poetry_form import parse_request, read_verse, score_poem, split_verses

DENG_GUANQUE = "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
RUMENGLING = "常记溪亭日暮，沉醉不知归路。兴尽晚回舟，误入藕花深处。争渡，争渡，惊起一滩鸥鹭。"


def test_parse_request():
    assert parse_request("题目：登鹳雀楼\n体裁：五言绝句") == ("登鹳雀楼", "五言绝句")
    assert parse_request("题目：春晓\n体裁：词·如梦令") == ("春晓", "词·如梦令")


@pytest.mark.parametrize("text", ["登鹳雀楼", "题目：登鹳雀楼\n体裁：五言", "题目：x\n体裁：词·"])
def test_parse_request_rejects(text):
    with pytest.raises(ValueError):
        parse_request(text)


def test_split_verses_drops_marks():
    assert split_verses("「白日」依山尽，黄河入海流。\n") == ["白日依山尽", "黄河入海流"]


def test_readings_level_and_oblique():
    readings = read_verse("白日依山尽")
    assert [r.level for r in readings] == [True, False, True, True, False]
    assert read_verse("流")[0].rhyme == read_verse("楼")[0].rhyme == "尤"


def test_regular_quatrain_scores_100():
    # 10 平仄 checks hold: 二四异 x4, 对 x2, 粘 x1, level rhyme endings x2, oblique end of verse 3.
    result = score_poem("五言绝句", DENG_GUANQUE)
    assert result.components == {"line_count": 100.0, "line_length": 100.0, "rhyme": 100.0, "tonal": 100.0}
    assert result.score == 100.0


def test_wrong_length_form():
    result = score_poem("七言绝句", DENG_GUANQUE)
    assert result.components["line_length"] == 0.0
    assert result.components["tonal"] is None
    assert result.score == pytest.approx(200 / 3)


def test_half_a_regulated_verse():
    result = score_poem("五言律诗", DENG_GUANQUE)
    assert result.components["line_count"] == 50.0
    assert result.components["line_length"] == 100.0


def test_no_rhyme():
    result = score_poem("五言绝句", "白日依山尽，黄河入海深。欲穷千里目，更上一层楼。")
    assert result.components["rhyme"] == 0.0


def test_ci_follows_reference_pattern():
    assert score_poem("词·如梦令", RUMENGLING, RUMENGLING).score == 100.0
    shorter = score_poem("词·如梦令", "常记溪亭日暮，沉醉不知归路。", RUMENGLING)
    assert shorter.components["line_count"] == pytest.approx(100 * (1 - 5 / 7))


@pytest.mark.parametrize("poem", ["", "abc", "，。"])
def test_no_verse_scores_0(poem):
    assert score_poem("五言绝句", poem).score == 0.0


def test_task_score_form_scorer_signature():
    items = [
        {"id": "a", "input": "题目：登鹳雀楼\n体裁：五言绝句", "reference": DENG_GUANQUE, "prediction": DENG_GUANQUE},
        {"id": "b", "input": "题目：登鹳雀楼\n体裁：七言绝句", "reference": DENG_GUANQUE, "prediction": DENG_GUANQUE},
        {"id": "c", "input": "题目：如梦令\n体裁：词·如梦令", "reference": RUMENGLING, "prediction": ""},
    ]
    result = score_task("poetry_generation", items)
    assert result.signature.startswith("poetry_judge|judge:form-scorer")
    assert result.details["judge"] == "form-scorer"
    assert result.score == pytest.approx((100 + 200 / 3 + 0) / 3)
    assert result.empty_predictions == 1
    assert result.details["forms"] == {"五言绝句": 1, "七言绝句": 1, "词": 1}
    assert aggregate("poetry_judge", [record["stats"] for record in result.items]) == result.score


def test_task_score_rejects_bad_request():
    items = [{"id": "a", "input": "写一首诗", "reference": "", "prediction": DENG_GUANQUE}]
    with pytest.raises(ValueError, match="'a'"):
        score_task("poetry_generation", items)
