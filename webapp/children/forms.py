"""Forms check shape only; the services check the rules and say what is wrong."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from webapp.models import AGE_BANDS, Rating

AGE_LABELS = {
    "under6": _l("Under 6"),
    "6-8": _l("6 to 8"),
    "9-11": _l("9 to 11"),
    "12-14": _l("12 to 14"),
    "15-17": _l("15 to 17"),
    "adult": _l("I am a grown-up"),
}

RATING_LABELS = {
    Rating.SATISFIED: _l("Happy with it"),
    Rating.BASICALLY: _l("Mostly OK"),
    Rating.UNSATISFIED: _l("Not happy"),
}


class SuggestionForm(FlaskForm):
    text = TextAreaField(_l("What do you want to say?"))
    photo = FileField(_l("Add a photo (you can skip this)"))
    area = SelectField(_l("Where is it? (you can skip this)"), validate_choice=False)
    place = StringField(_l("Which spot? For example: the school gate"))
    age_band = RadioField(
        _l("How old are you?"),
        choices=[(band, AGE_LABELS[band]) for band in AGE_BANDS],
        validate_choice=False,
    )
    # Off unless the child ticks it: nothing is shared by default.
    public = BooleanField(
        _l('Other children may see this and say "me too"'),
        default=False,
        description=_l(
            "Other children can read what you wrote (never your name), "
            "after a grown-up has checked it."
        ),
    )
    family_may_read = BooleanField(
        _l("My family may read what I wrote"),
        default=False,
        description=_l(
            "Grown-ups who follow your code in a chat can read your words. "
            "If you leave this empty, they only see how it is going and the answer."
        ),
    )


class LookupForm(FlaskForm):
    code = StringField(_l("Your code"))


class CodeForm(FlaskForm):
    """A button on the tracking page: the code comes in the form, never in the URL."""

    code = HiddenField()


class RatingForm(FlaskForm):
    code = HiddenField()
    rating = RadioField(
        _l("What do you think of the answer?"),
        choices=list(RATING_LABELS.items()),
        validate_choice=False,
    )
    comment = TextAreaField(_l("Why? (you can skip this)"))
