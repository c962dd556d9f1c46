"""Forms check shape only; the services check the rules and say what is wrong."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField, widgets


class PlainForm(FlaskForm):
    """A button with no fields still carries the CSRF token."""


class TrackSupportForm(FlaskForm):
    code = HiddenField()


class JoinForm(FlaskForm):
    code = StringField(_l("The number on the facilitator's screen"))


class VoteForm(FlaskForm):
    choice = HiddenField()  # set by the button pressed: for, against or abstain


class ProposalForm(FlaskForm):
    title = StringField(_l("My proposal in a few words"))
    text = TextAreaField(_l("What should change, and why?"))


class ObservationForm(FlaskForm):
    ticks = SelectMultipleField(
        _l("What did you see? Tick everything that is true"),
        coerce=str,
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    text = TextAreaField(_l("Tell us more (you can skip this)"))
    place = StringField(_l("Where exactly? For example: the east gate of the park"))
    nickname = StringField(_l("Your observer nickname (you can skip this; not your real name)"))
    photo = FileField(_l("Add a photo (you can skip this; no faces please)"))
