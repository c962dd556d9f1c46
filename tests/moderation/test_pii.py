"""Personal data: what is found and masked, and what must not be."""

import pytest

from moderation.normalise import normalise
from moderation.pii import find_pii, redact


def kinds(text):
    clean = normalise(text)
    return [(s.kind, clean[s.start : s.end]) for s in find_pii(clean)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("妈妈电话13812345678", [("phone", "13812345678")]),
        ("打138 1234 5678找我", [("phone", "138 1234 5678")]),
        ("138-1234-5678", [("phone", "138-1234-5678")]),
        ("+86 13912345678", [("phone", "+86 13912345678")]),
        ("座机010-12345678", [("phone", "010-12345678")]),
        ("电话：(0571)87654321", [("phone", "(0571)87654321")]),
        ("身份证11010520100101123X", [("id_card", "11010520100101123X")]),
        ("邮箱abc.d_1@qq.com", [("email", "abc.d_1@qq.com")]),
        ("我的QQ是123456789", [("qq", "123456789")]),
        ("qq:54321", [("qq", "54321")]),
        ("扣扣 2233445566", [("qq", "2233445566")]),
        ("加我微信abc_12345", [("wechat", "abc_12345")]),
        ("vx：wxid_kk99x", [("wechat", "wxid_kk99x")]),
        ("我家住在3栋2单元501", [("house_number", "3栋2单元501")]),
        ("5号楼302室楼道灯坏了", [("house_number", "5号楼302室")]),
        ("我住在幸福路12号", [("house_number", "幸福路12号")]),
        ("我叫王小明", [("name", "王小明")]),
        ("我叫李明今年十岁", [("name", "李明")]),
        ("我的名字是欧阳娜娜", [("name", "欧阳娜娜")]),
        ("我是李华,想提个建议", [("name", "李华")]),
        ("我是張偉的媽媽", [("name", "张伟")]),
    ],
)
def test_found(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title after the name: the name goes, the title stays.
        ("王老师批评了我", [("name", "王")]),
        ("我是王老师", [("name", "王")]),
        ("谢谢王老师", [("name", "王")]),
        ("班主任李老师很好", [("name", "李")]),
        ("李娜同学", [("name", "李娜")]),
        ("小王老师", [("name", "小王")]),
        ("欧阳娜娜老师很好", [("name", "欧阳娜娜")]),
        ("楼下的王奶奶", [("name", "王")]),
        ("邻居张叔叔", [("name", "张")]),
        ("儿科的李医生", [("name", "李")]),
        ("張老師和李老師吵架了", [("name", "张"), ("name", "李")]),
        # A class, a school or a classmate before it.
        ("三年级二班的王小明打我", [("name", "王小明")]),
        ("实验小学的李娜说她不来了", [("name", "李娜")]),
        ("我们班的张伟把我的书撕了", [("name", "张伟")]),
        ("我们班张伟和李娜", [("name", "张伟"), ("name", "李娜")]),
        ("我同桌李娜今天没来", [("name", "李娜")]),
        ("我的好朋友王浩然住院了", [("name", "王浩然")]),
        ("我们班的林子涵和王子轩", [("name", "林子涵"), ("name", "王子轩")]),
        ("我们班的王一博", [("name", "王一博")]),
        ("我们班的小王打我", [("name", "小王")]),
        # Said to be a name.
        ("他叫张伟", [("name", "张伟")]),
        ("她叫李娜,是我同桌", [("name", "李娜")]),
        ("我们班有个同学叫张子涵", [("name", "张子涵")]),
        ("我叫赵一鸣", [("name", "赵一鸣")]),
        ("他的名字叫李雷", [("name", "李雷")]),
        ("我爸爸叫张建国", [("name", "张建国")]),
        ("心理老师姓陈,人很好", [("name", "陈")]),
        ("她姓欧阳", [("name", "欧阳")]),
        # The one who does something to the child.
        ("张伟打我", [("name", "张伟")]),
        ("王小明总是欺负我", [("name", "王小明")]),
        ("李娜又把我的书撕了", [("name", "李娜")]),
        ("我被张伟打了", [("name", "张伟")]),
        ("我被王小明狠狠地推倒了", [("name", "王小明")]),
        # Every later mention of a known name, and its two-character given name.
        ("黄晓明打我,黄晓明还骂我", [("name", "黄晓明"), ("name", "黄晓明")]),
        ("我叫王小明,小明是我的小名", [("name", "王小明"), ("name", "小明")]),
    ],
)
def test_names(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("138.1234.5678", "138.1234.5678"),
        ("打138 - 1234 - 5678", "138 - 1234 - 5678"),
        ("138—1234—5678", "138—1234—5678"),
        ("1381234 5678", "1381234 5678"),
        ("+86-13812345678", "+86-13812345678"),
        ("(+86)13812345678", "(+86)13812345678"),
        ("8613812345678", "8613812345678"),
        ("0086 138 1234 5678", "0086 138 1234 5678"),
        ("１３８－１２３４－５６７８", "138-1234-5678"),  # full width, normalised
        ("电话一三八一二三四五六七八", "一三八一二三四五六七八"),
        ("幺三八幺二三四五六七八", "幺三八幺二三四五六七八"),
        ("壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌壹贰叁肆伍陆柒捌"),
        ("138一二三四5678", "138一二三四5678"),
        ("一三八 一二三四 五六七八", "一三八 一二三四 五六七八"),
        ("1 3 8 1 2 3 4 5 6 7 8", "1 3 8 1 2 3 4 5 6 7 8"),
        ("0571-8765-4321", "0571-8765-4321"),
        ("（010）8765 4321", "（010）8765 4321"),
        ("零一零八七六五四三二一", "零一零八七六五四三二一"),
        ("家里电话是8765-4321", "8765-4321"),
    ],
)
def test_phones(text, expected):
    assert kinds(text) == [("phone", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "我坐3路公交上学",
        "5号线太挤了",
        "2号楼的楼梯扶手坏了",
        "我是三年级的",
        "我是一个学生",
        "我是家长",
        "我是高一的学生",
        "2024年10月1日下午3点",
        "我们学校有1200个学生",
        "分数是95分",
        "门票30元一张,开放时间9:00-17:00",
        "第12345号建议",
    ],
)
def test_not_personal(text):
    assert kinds(text) == []


# Everyday words that start with a surname, and words that end with one.
SURNAME_WORDS = (
    "高兴 黄色 白天 方便 周末 李子 马路 张开 江边 林子 文化 常常 万一 金鱼 王国 何时 许多 于是 "
    "向日葵 安全 古代 石头 田野 毛巾 钱包 孔雀 叶子 海边 夏天 余下 路灯 城管 公交 马上 高中 "
    "任何 千万 方向 关心 房子 孙子 包子 白云 儿童 门卫 保安 主任 历史 语文 作文 感谢 谢谢 分钟"
).split()
# Places where a name would be taken: after a class, a classmate or 我是, before a title or an act.
NAME_PLACES = (
    "我们班的{}", "我同桌{}", "他叫{}", "我是{}", "{}打我", "我被{}打了", "{}老师说", "学校的{}",
    "{}叔叔", "{}阿姨",
)


@pytest.mark.parametrize("word", SURNAME_WORDS)
def test_surname_words_are_not_names(word):
    for place in NAME_PLACES:
        text = place.format(word)
        at = text.index(word)
        spans = find_pii(normalise(text))
        assert not [s for s in spans if s.start < at + len(word) and s.end > at], text


@pytest.mark.parametrize(
    "text",
    [
        "历史老师讲了古代的故事",
        "语文老师让我们写作文",
        "我向老师反映了这个问题",
        "祝老师节日快乐",
        "祝爷爷奶奶身体健康",
        "儿童主任好久没来了",
        "门卫爷爷不让进",
        "宿管阿姨很凶",
        "许多同学都生病了",
        "这周老师布置了很多作业",
        "不管老师怎么说",
        "任课老师换了",
        "武警官兵来救灾",
        "我想吃康师傅方便面",
        "学校的马路很宽",
        "我们班的黄色窗帘",
        "同桌的金鱼死了",
        "爸爸上班的高峰期",
        "要提高中文水平",
        "学校的小黄车坏了",
        "他叫我滚",
        "一个游戏叫做王者荣耀",
        "我家小狗名叫旺财",
        "小王说明天不来",
        "老李来了",
        "妈妈总是打我",
        "他用石头打我",
        "班主任打我",
        "我被同学打了",
        "诸葛亮很聪明",
        "老百姓高兴",
        "唐宝宝家长有没有交流活动",
        "13 14 15 16 17 18",
        "我考了98 96 100 95分",
        "1.38 1.23 4.56",
        "订单号138123456789012",
        "7613812345678",
        "我数到一二三四五六七八九十",
        "二〇二四年一月一日",
        "我坐38路公交车跑了3000米,花了12.5元",
    ],
)
def test_not_a_name_nor_a_phone(text):
    assert kinds(text) == []


def test_no_blowup_on_long_or_odd_texts():
    import time

    texts = [
        "1 " * 20_000,
        "一" * 40_000,
        "王老师" * 10_000,
        "我们班的张伟打我," * 5_000,
        "138-" * 10_000,
        "公园的滑梯坏了,王老师说138 1234 5678周末去。" * 2_000,
    ]
    for text in texts:
        start = time.perf_counter()
        find_pii(text)
        assert time.perf_counter() - start < 2.0, text[:20]


def test_redact_masks_every_kind():
    clean = normalise("我叫王小明,电话13812345678,QQ 123456,住在3栋2单元501")
    assert redact(clean, find_pii(clean)) == "我叫【姓名】,电话【电话】,QQ 【QQ】,住在【门牌号】"


def test_spans_are_sorted_and_disjoint():
    clean = "联系12345@qq.com或13812345678"
    spans = find_pii(clean)
    assert [s.kind for s in spans] == ["email", "phone"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
