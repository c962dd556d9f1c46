"""Normalisation: simplified characters, half-width ASCII, folded whitespace, emoji kept."""

import pytest

from moderation.normalise import normalise, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我們學校的圖書館", "我们学校的图书馆"),
        ("公園裡的鞦韆壞了", "公园里的秋千坏了"),
        ("頭髮", "头发"),
        ("余下的时间", "余下的时间"),  # snownlp's table would make this 馀
        ("ＡＢＣ１２３", "ABC123"),
        ("电话：１３８ １２３４ ５６７８", "电话：138 1234 5678"),
        ("  公园\t\n 滑梯  坏了 ", "公园 滑梯 坏了"),
        ("好开心😊👍", "好开心😊👍"),
        ("家\u200b里", "家里"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_chinese_punctuation_stays_full_width():
    assert normalise("谢谢！真好，可以吗？") == "谢谢！真好，可以吗？"


def test_none_is_empty():
    assert normalise(None) == ""


def test_simplification_keeps_length():
    text = "也門的手電筒"  # snownlp rewrites these phrases to different lengths; we do not
    assert len(to_simplified(text)) == len(text)


def test_normalise_does_not_import_stock_snownlp():
    import subprocess
    import sys

    code = "import sys, moderation; moderation.warm_up(); print('snownlp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # 3 s and 420 MB saved per process
