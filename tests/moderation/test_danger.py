"""Danger: real disclosures are urgent with a reason; prevention talk and the past are not."""

import pytest

from moderation import danger


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我真的不想活了", "self_harm"),
        ("我晚上偷偷割手腕", "self_harm"),
        ("爸爸喝了酒就用皮带打我", "abuse"),
        ("我身上都是伤,是后妈弄的", "abuse"),
        ("邻居叔叔摸我的隐私部位,还不让我告诉妈妈", "sexual"),
        ("有网友约我见面还要我的照片", "stranger"),
        ("高年级的人拿刀威胁我们", "violence"),
        ("我弟弟在商场走丢了,到现在还没找到", "missing_child"),
        ("放学路上有个陌生叔叔说给我糖让我上他的车", "stranger"),
        ("有个男的一直跟着我到小区门口", "stranger"),
        ("楼下的电线掉下来了还在冒火花", "hazard"),
        ("我们家楼道里有很大的煤气味", "hazard"),
        ("学校门口的井盖没了,很多小孩经过", "hazard"),
        ("我们被困在电梯里了", "hazard"),
        ("我三天没吃饭了,家里没有大人", "neglect"),
        # Told without the alarm words: what is done, what is left, what is asked.
        ("继父把我绑在椅子上，说不认错就不放开", "abuse"),
        ("同桌突然倒在地上，叫他没反应", "medical"),
        ("网上那个人要我发洗澡的视频给他", "sexual"),
        ("书都送给同桌了，以后不用找我了", "self_harm"),
        ("车里锁着一个宝宝，车窗全关着", "hazard"),
        ("儿子昨晚出去一整夜没回来", "missing_child"),
    ],
)
def test_urgent(analyse, text, reason):
    a = analyse(text)
    assert a.urgent, text
    assert reason in a.urgent_reasons
    assert a.sentiment == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "防欺凌讲座很有用",
        "希望多讲讲怎么防拐骗",
        "消防演练很好玩,我学会了怎么逃生",
        "学校组织了防溺水安全教育",
        "以前学校门口有人打架,现在好了",
        "谢谢警察叔叔帮我找到了走丢的弟弟",
        "如果在商场走丢了应该怎么办",
        "商场太大了小朋友容易走丢",
        "电影里的坏人拿刀好吓人",
        "希望学校多开展防性侵教育",
        "小区的井盖已经修好了,谢谢",
        "我没有被打,只是同学给我起外号",
        "公园的滑梯坏了",
        "希望图书馆周末多开一会",
        # Look-alikes of the phrasings above.
        "我的橡皮到处找不到了",
        "老师让我单独去办公室订正作业",
        "学校旁边的工厂一直冒黑烟，上体育课都闻得到",
        "放假了，跟大家说再见",
        "把旧书都送给山区的小朋友了",
        "他把水倒在地上了",
    ],
)
def test_not_urgent(analyse, text):
    a = analyse(text)
    assert not a.urgent, (text, a.urgent_reasons)


def test_hits_say_why_they_were_cleared():
    hits = danger.lexicon_hits("希望多讲讲怎么防拐骗,防止小孩被拐走")
    assert hits and all(h.cleared == "prevention" for h in hits)


def test_weak_pattern_needs_the_model():
    weak = [danger.DangerHit("violence", False, 0, 2, None)]
    assert not danger.judge(weak, 0.0).urgent
    assert danger.judge(weak, 0.99).reasons == ("violence",)


def test_two_weak_cues_of_one_kind_back_each_other():
    one = [danger.DangerHit("sexual", False, 0, 4, None, "单独去器材室")]
    two = [*one, danger.DangerHit("sexual", False, 10, 16, None, "我们的秘密")]
    other_kind = [*one, danger.DangerHit("hazard", False, 10, 16, None, "晃")]
    said_twice = [danger.DangerHit("hazard", False, i, i + 1, None, "晃") for i in (1, 3)]
    assert not danger.judge(one, 0.0).urgent
    assert danger.judge(two, 0.0).reasons == ("sexual",)
    assert not danger.judge(other_kind, 0.0).urgent
    assert not danger.judge(said_twice, 0.0).urgent
    assert not danger.judge(danger.lexicon_hits("公园的滑梯摇摇晃晃的"), 0.0).urgent


def test_children_at_the_hazard_count_as_now():
    assert danger.happening_now("滑梯底座松了，上面全是小孩")
    assert not danger.happening_now("滑梯底座松了")


def test_model_alone_needs_to_be_sure():
    assert not danger.judge([], danger.MODEL_ALONE - 0.01).urgent
    assert danger.judge([], 1.0).reasons == ("other",)
