"""Danger: levels, reasons and owners; disclosures a preamble cannot hide; false alarms cleared."""

import pytest

from moderation import danger

# 80+ characters of ordinary chat, the preamble a disclosure may follow.
PREAMBLE = (
    "我们小区的路灯坏了好几天了，晚上黑乎乎的，走路都要打手电。垃圾桶也满了，苍蝇好多，"
    "物业说下周才来收。公园的秋千也有点旧了，坐上去吱吱响。图书馆周末人太多，没有座位。"
)


def test_the_preamble_is_long_and_harmless(analyse):
    assert len(PREAMBLE) >= 80
    assert analyse(PREAMBLE).danger == "none"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我真的不想活了", "self_harm"),
        ("我晚上偷偷割手腕", "self_harm"),
        ("爸爸喝了酒就用皮带打我", "abuse"),
        ("我身上都是伤,是后妈弄的", "abuse"),
        ("邻居叔叔摸我的隐私部位,还不让我告诉妈妈", "sexual"),
        ("高年级的人拿刀威胁我们", "violence"),
        ("我弟弟在商场走丢了,到现在还没找到", "missing_child"),
        ("放学路上有个陌生叔叔说给我糖让我上他的车", "stranger"),
        ("有个男的一直跟着我到小区门口", "stranger"),
        ("楼下的电线掉下来了还在冒火花", "hazard"),
        ("我们家楼道里有很大的煤气味", "fire"),
        ("学校门口的井盖没了,很多小孩经过", "hazard"),
        ("我们被困在电梯里了", "rescue"),
        ("我三天没吃饭了,家里没有大人", "neglect"),
        # Told without the alarm words: what is done, what is left, what is asked.
        ("继父把我绑在椅子上，说不认错就不放开", "abuse"),
        ("同桌突然倒在地上，叫他没反应", "medical"),
        ("网上那个人要我发洗澡的视频给他", "sexual"),
        ("书都送给同桌了，以后不用找我了", "self_harm"),
        ("车里锁着一个宝宝，车窗全关着", "rescue"),
        ("儿子昨晚出去一整夜没回来", "missing_child"),
    ],
)
def test_urgent(analyse, text, reason):
    a = analyse(text)
    assert a.danger == "urgent" and a.urgent, (text, a.danger, a.urgent_reasons)
    assert reason in a.urgent_reasons
    assert a.sentiment == "negative" and a.routed


# Item by item, the way children and parents tell it: at least a person looks today.
OWN_WORDS = [
    ("我坐在叔叔腿上，他的手伸进我衣服里面", "sexual"),
    ("每次去舅舅家他都让我坐在他腿上，手还伸到我衣服里面，他说别的人不可以知道", "sexual"),
    ("姑父给我洗澡的时候用手机拍视频，说不许告诉任何人", "sexual"),
    ("网上有个哥哥让我发照片给他看，说是我们的秘密", "sexual"),
    ("叔叔说要帮我检查身体 让我把衣服脱了 别的人不可以知道", "sexual"),
    ("ta mo wo xia mian, hai shuo zhe shi mi mi", "sexual"),
    ("有个男的从学校一直跟着我到小区", "stranger"),
    ("这几天放学总有一个戴帽子的叔叔跟在我后面，我拐弯他也拐弯", "stranger"),
    ("爸爸把我锁在阳台上，外面好冷", "neglect"),
    ("我爸天天喝酒，家里没有吃的", "neglect"),
    ("我在书包里写了一封信，等我走了你们再看", "self_harm"),
    ("我把我的玩具和书都送给同学了，反正以后也用不到了", "self_harm"),
    ("然后就是那个叔叔一直跟着我嗯我走哪他走哪我好怕", "stranger"),
    ("我真的好想紫砂，活着好累，没有人在乎我", "self_harm"),
]


@pytest.mark.parametrize(("text", "reason"), OWN_WORDS)
def test_told_in_their_own_words(analyse, text, reason):
    a = analyse(text)
    assert a.danger in ("review", "urgent"), (text, a.danger)
    assert reason in a.urgent_reasons, (text, a.urgent_reasons)


@pytest.mark.parametrize(
    ("ending", "reason"),
    [
        ("我最想说的是，舅舅让我坐在他腿上，手伸到我衣服里面，他说别的人不可以知道。", "sexual"),
        ("我最想说的是，爸爸喝醉了就把我锁在阳台上，外面好冷，我敲门他也不开。", "neglect"),
        ("最后我想说，我在书包里写了一封信，等我走了你们再看。", "self_harm"),
        ("对了，最近放学总有一个男的从学校门口一直跟着我到小区。", "stranger"),
        ("还有就是我弟弟下午在小区玩，到现在还没回家，电话手表也打不通了。", "missing_child"),
        ("我最想说的是，小区的电线掉下来了，还在冒火花，下面好多小朋友在玩。", "hazard"),
        ("其实我最想说的是，我不想活了，每天都好累。", "self_harm"),
    ],
)
def test_a_disclosure_after_a_preamble(analyse, ending, reason):
    alone, after = analyse(ending), analyse(PREAMBLE + ending)
    assert after.danger != "none", (ending, after.danger)
    assert reason in after.urgent_reasons
    assert after.danger == alone.danger  # the preamble neither hides nor changes it


def test_a_disclosure_after_a_preamble_without_punctuation(analyse):
    text = PREAMBLE + "我最想说的是那个叔叔老让我坐他腿上然后手就伸进来了说不能告诉爸爸"
    a = analyse("".join(ch for ch in text if ch not in "，。"))
    assert a.danger != "none" and "sexual" in a.urgent_reasons


@pytest.mark.parametrize(
    "text",
    [
        # Hyperbole and praise.
        "想死你们啦，暑假好长",
        "笑死，我同桌上课睡着了",
        "今天练琴练了三个小时，累死了",
        "救命😂作业怎么这么多",
        "气死我了，弟弟又把我的积木弄倒了",
        # Lessons and drills.
        "消防演练的时候大家都跑得很快",
        "防欺凌讲座很有用",
        "希望多讲讲怎么防拐骗",
        "学校组织了防溺水安全教育",
        "希望学校多开展防性侵教育",
        # Stories, films and games.
        "电影里那个小孩被坏人拐走了，好吓人",
        "游戏里我被人砍死了好几次",
        # Questions.
        "请问家里着火了应该往哪里跑",
        "如果在商场走丢了应该怎么办",
        # Over.
        "小区电梯困住了几个人，已经救出来了",
        "谢谢警察叔叔帮我找到了走丢的弟弟",
        "以前学校门口有人打架,现在好了",
        "小区的井盖已经修好了,谢谢",
        # Not danger at all.
        "公园的秋千坏了",
        "公园的秋千坏了，希望快点修好",
        "我没有被打,只是同学给我起外号",
        "商场太大了小朋友容易走丢",
        "希望图书馆周末多开一会",
        "我的橡皮到处找不到了",
        "老师让我单独去办公室订正作业",
        "放假了，跟大家说再见",
        "把旧书都送给山区的小朋友了",
        "他把水倒在地上了",
    ],
)
def test_false_alarms_are_cleared(analyse, text):
    a = analyse(text)
    assert a.danger == "none" and not a.urgent, (text, a.danger, a.urgent_reasons)


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("爸爸喝了酒就用皮带打我", "police"),  # family violence needing action today
        ("网上有个哥哥让我发照片给他看，说是我们的秘密", "police"),  # grooming
        ("我弟弟在商场走丢了,到现在还没找到", "police"),
        ("放学路上几个社会上的人拦住我要钱，说不给就打我", "police"),  # outside school
        ("班里几个男生天天在厕所堵我，今天把我打得流血了", "edu"),  # bullying at school
        ("爸爸把我锁在阳台上，外面好冷", "civil"),  # confinement without beating
        ("我真的不想活了", "health"),
        ("弟弟误吃了奶奶的降压药，现在一直想睡觉", "health"),
        ("我们家楼道里有很大的煤气味", "emergency"),
        ("公园的滑梯断了一截，刚才差点砸到小朋友，现在还有好多小孩在上面玩", "urban"),
    ],
)
def test_danger_is_owned_by_the_agency_that_can_act(analyse, text, agency):
    a = analyse(text)
    assert a.danger != "none", text
    assert a.agency == agency and a.agencies_top3[0] == agency, (text, a.agency)
    assert a.routed  # straight to its owner (the web app tells the coordinator too)


def test_a_place_hazard_is_not_a_person_in_danger(analyse):
    assert analyse("学校门口的井盖没了,很多小孩经过").urgent_reasons == ("hazard",)
    assert "fire" in analyse("我们家楼道里有很大的煤气味").urgent_reasons


def test_urgent_is_exactly_the_urgent_level(analyse):
    for text, _reason in OWN_WORDS:
        a = analyse(text)
        assert a.urgent == (a.danger == "urgent")
        assert a.to_dict()["danger"] == a.danger


def test_reason_codes_are_documented():
    for code in danger.REASONS:
        assert f"  {code} " in danger.__doc__
    assert set(danger.OWNERS) <= set(danger.REASONS)


def test_hits_say_why_they_were_cleared():
    hits = danger.lexicon_hits("希望多讲讲怎么防拐骗,防止小孩被拐走")
    assert hits and all(h.cleared == "prevention" for h in hits)


def test_a_preamble_does_not_clear_what_follows():
    hits = danger.lexicon_hits("路灯已经修好了，谢谢。我最想说的是，有个男的一直跟着我")
    assert any(h.reason == "stranger" and h.cleared is None for h in hits)


def hit(reason, strong, start=0, end=2, cue="", past=False):
    return danger.DangerHit(reason, strong, start, end, None, cue or reason, 0, past)


def test_a_weak_cue_needs_the_model():
    weak = [hit("violence", False)]
    assert danger.judge(weak, 0.0) == {}
    assert danger.judge(weak, danger.WEAK_REVIEW) == {"violence": danger.REVIEW}
    assert danger.judge(weak, danger.WEAK_URGENT) == {"violence": danger.URGENT}
    assert danger.judge(weak, danger.WEAK_NOW_URGENT, now=True) == {"violence": danger.URGENT}


def test_two_weak_cues_of_one_kind_back_each_other():
    one = [hit("sexual", False, 0, 4, "单独去器材室")]
    two = [*one, hit("sexual", False, 10, 16, "我们的秘密")]
    other_kind = [*one, hit("hazard", False, 10, 16, "晃")]
    said_twice = [hit("hazard", False, i, i + 1, "晃") for i in (1, 3)]
    p = danger.NOW_REVIEW
    assert danger.judge(one, p) == {}
    assert danger.judge(two, p) == {"sexual": danger.REVIEW}
    assert danger.judge(two, danger.WEAK_NOW_URGENT) == {"sexual": danger.URGENT}
    assert danger.judge(other_kind, p) == {}
    assert danger.judge(said_twice, p) == {}


def test_a_strong_cue_is_urgent_unless_doubted_or_past():
    assert danger.judge([hit("self_harm", True)], 0.5) == {"self_harm": danger.URGENT}
    assert danger.judge([hit("self_harm", True, past=True)], 0.5) == {"self_harm": danger.REVIEW}
    doubted = danger.STRONG_DOUBT / 2
    assert danger.judge([hit("hazard", True)], doubted) == {"hazard": danger.REVIEW}


def test_the_model_alone_needs_to_be_sure():
    assert danger.judge([], danger.MODEL_REVIEW - 0.01) == {}
    assert danger.judge([], danger.MODEL_REVIEW) == {"other": danger.REVIEW}
    assert danger.judge([], danger.MODEL_URGENT) == {"other": danger.URGENT}


def test_children_at_the_hazard_count_as_now():
    assert danger.happening_now("滑梯底座松了，上面全是小孩")
    assert not danger.happening_now("滑梯底座松了")


def test_windows_grow_linearly():
    found = danger.scan("公园的滑梯坏了，希望快点修好。" * 100)
    n = len(found.spans)
    assert n >= 200 and len(found.windows()) <= 2 * n + 1
    assert all(last - first <= danger.MAX_WINDOW for first, last in found.windows()[:-1])


def test_long_voice_input_is_cut_into_clauses():
    found = danger.scan("然后就是我们学校的操场跑道都裂开了下雨就积水还有就是厕所的门锁坏了" * 3)
    assert all(end - start <= danger.MAX_CLAUSE for start, end in found.spans)
    assert len(found.spans) > 3
