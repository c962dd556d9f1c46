import math

from webapp.services import codes


def test_code_is_two_words_and_four_digits_with_30_bits(app):
    with app.app_context():
        first, second, number = codes.new_code().split(" ")
    assert first in codes.words() and second in codes.words()
    assert len(number) == 4 and number.isdigit()
    bits = 2 * math.log2(len(set(codes.words()))) + 4 * math.log2(10)
    assert bits >= 30


def test_canonical_form_ignores_spacing_dashes_and_full_width(app):
    with app.app_context():
        assert codes.code_hash("熊猫 苹果 1234") == codes.code_hash("熊猫-苹果-１２３４")
        assert codes.code_hash("熊猫苹果1234") == codes.code_hash(" 熊猫  苹果 1234 ")
        assert codes.code_hash("熊猫 苹果 1234") != codes.code_hash("熊猫 苹果 1235")


def test_hash_is_keyed_with_the_secret(app):
    with app.app_context():
        digest = codes.code_hash("熊猫 苹果 1234")
        app.config["SECRET_KEY"], old = "another-key", app.config["SECRET_KEY"]
        try:
            assert codes.code_hash("熊猫 苹果 1234") != digest
        finally:
            app.config["SECRET_KEY"] = old
