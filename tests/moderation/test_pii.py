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
    "text",
    [
        "我坐3路公交上学",
        "5号线太挤了",
        "2号楼的楼梯扶手坏了",
        "我是三年级的",
        "我是一个学生",
        "我是家长",
        "我是王老师",
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


def test_redact_masks_every_kind():
    clean = normalise("我叫王小明,电话13812345678,QQ 123456,住在3栋2单元501")
    assert redact(clean, find_pii(clean)) == "我叫【姓名】,电话【电话】,QQ 【QQ】,住在【门牌号】"


def test_spans_are_sorted_and_disjoint():
    clean = "联系12345@qq.com或13812345678"
    spans = find_pii(clean)
    assert [s.kind for s in spans] == ["email", "phone"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
