"""analyse(): the shape of an Analysis, edge inputs, routing threshold behaviour."""

import json
from dataclasses import FrozenInstanceError, replace

import pytest

import moderation
from moderation import AGENCY_CODES, ROUTING_THRESHOLD, TOPICS, Analysis, PiiSpan, analysis


def check_shape(a: Analysis) -> None:
    assert a.agency in AGENCY_CODES
    assert len(a.agencies_top3) == 3 and len(set(a.agencies_top3)) == 3
    assert all(c in AGENCY_CODES for c in a.agencies_top3)
    assert a.topic in TOPICS
    assert a.sentiment in ("negative", "neutral", "positive")
    assert 0.0 <= a.sentiment_score <= 1.0 and 0.0 <= a.confidence <= 1.0
    assert a.danger in ("none", "review", "urgent") and a.urgent == (a.danger == "urgent")
    # Danger goes straight to its owner; the rest when the model is confident enough.
    assert a.routed == (a.confidence >= ROUTING_THRESHOLD or a.danger != "none")
    assert len(a.keywords) <= 5 and all(isinstance(k, str) and k for k in a.keywords)
    assert all(isinstance(s, PiiSpan) for s in a.pii)
    json.dumps(a.to_dict(), ensure_ascii=False)


def test_public_api():
    assert len(AGENCY_CODES) == 17 and "coord" in AGENCY_CODES
    assert 0.0 < ROUTING_THRESHOLD < 1.0
    assert callable(moderation.analyse) and callable(moderation.warm_up)


def test_a_plain_complaint(analyse):
    a = analyse("公园里的滑梯坏了,小朋友都没法玩了")
    check_shape(a)
    assert a.agency == "urban" and a.agencies_top3[0] == "urban"
    assert a.sentiment == "negative" and not a.urgent
    assert a.topic == "公园和游乐场"


def test_thanks_are_positive(analyse):
    assert analyse("谢谢图书馆的阿姨,新的绘本区太棒了!").sentiment == "positive"


@pytest.mark.parametrize(
    "text",
    ["新开的科技馆yyds！机器人还会跟我们聊天", "学校的新食堂绝绝子，每天都想吃",
     "公园的新滑梯太赞了，我玩了十遍"],
)
def test_slang_praise_is_positive(analyse, text):
    assert analyse(text).sentiment == "positive"


@pytest.mark.parametrize(
    "text",
    ["秋千坏了，希望快点修好", "学校门口的路灯坏了好几天了，希望快点修好",
     "早上的公交车太挤了，能不能多开几班"],
)
def test_a_problem_followed_by_a_wish_is_negative(analyse, text):
    assert analyse(text).sentiment == "negative"


def test_a_long_mixed_message_is_negative_when_it_raises_a_problem(analyse):
    text = ("谢谢社区给我们装了新的健身器材，爷爷奶奶每天都去锻炼，我也喜欢在那里玩。"
            "不过旁边的路灯坏了好久了，晚上黑乎乎的，我们都不敢过去，希望也能修一下。")
    a = analyse(text)
    assert a.sentiment == "negative" and a.danger == "none"


def test_analysis_is_frozen_and_replaceable(analyse):
    a = analyse("学校门口的红绿灯时间太短了")
    with pytest.raises(FrozenInstanceError):
        a.agency = "edu"  # type: ignore[misc]
    assert replace(a, routed=False).routed is False  # the web app's tests rely on this


def test_to_dict_is_plain_json(analyse):
    d = analyse("我叫王小明,电话13812345678").to_dict()
    assert d["pii"] == [{"kind": "name", "start": 2, "end": 5},
                        {"kind": "phone", "start": 8, "end": 19}]
    assert d["redacted_text"] == "我叫【姓名】,电话【电话】"
    assert "13812345678" not in json.dumps(d["keywords"], ensure_ascii=False)


@pytest.mark.parametrize("text", ["", "   \n\t ", None])
def test_empty_goes_to_the_coordinator(analyse, text):
    a = analyse(text)
    check_shape(a)
    assert a.agency == "coord" and a.agencies_top3[0] == "coord"
    assert a.routed is False and a.confidence == 0.0
    assert a.sentiment == "neutral" and not a.urgent and a.keywords == ()
    assert a.danger == "none"


@pytest.mark.parametrize("text", ["😊😊😊", "!!!???", "。。。", "……", "【】", "👍", "13812345678"])
def test_no_words_is_not_routed(analyse, text):
    a = analyse(text)
    check_shape(a)
    assert a.agency == "coord" and not a.routed and not a.urgent


def test_long_text(analyse):
    a = analyse("公园的滑梯坏了,希望快点修好。" * 140)  # 2,100 characters
    check_shape(a)
    assert a.agency == "urban" and a.danger == "none"


def test_mixed_english_and_traditional(analyse):
    a = analyse("我們學校的Library週末不開門,好可惜 so sad")
    check_shape(a)
    assert a.text.startswith("我们学校的Library周末不开门")


def test_routing_follows_the_threshold(analyse, monkeypatch):
    text = "希望学校多开一些体育课"
    a = analyse(text)
    monkeypatch.setattr(analysis, "ROUTING_THRESHOLD", a.confidence + 1e-6)
    assert analysis.analyse(text).routed is False
    monkeypatch.setattr(analysis, "ROUTING_THRESHOLD", a.confidence)
    assert analysis.analyse(text).routed is True


def test_unclear_text_goes_to_triage(analyse):
    a = analyse("嗯嗯嗯")
    assert not a.routed and a.confidence < ROUTING_THRESHOLD


def test_keywords_come_from_the_text(analyse):
    a = analyse("图书馆周末人太多了,没有座位")
    assert a.keywords and all(k in a.text for k in a.keywords)


def test_analyse_is_deterministic(analyse):
    assert analyse("小区电梯经常坏") == analyse("小区电梯经常坏")
