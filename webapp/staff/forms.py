"""Staff forms: shape only; the casework service checks the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField

from webapp.models import Decision
from webapp.services.errors import ItemNotFound

DECISION_LABELS = {
    Decision.YES: _l("Yes"),
    Decision.PARTLY: _l("Partly"),
    Decision.NO: _l("No"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"))
    password = PasswordField(_l("Password"))


class AnswerForm(FlaskForm):
    decision = RadioField(
        _l("What we decided"), choices=list(DECISION_LABELS.items()), validate_choice=False
    )
    why = TextAreaField(_l("Why"))
    next_steps = TextAreaField(_l("What happens next, and when"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class TransferForm(FlaskForm):
    agency = SelectField(_l("To agency"), validate_choice=False)
    reason = TextAreaField(_l("Reason"))


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Private note (never shown to the child)"))


class LinkForm(FlaskForm):
    primary = StringField(_l("Same issue as item number"))


class ActionForm(FlaskForm):
    """Actions with no fields (accept, reveal) still carry the CSRF token."""


class DutyContactForm(FlaskForm):
    """One way to reach a person: the service checks that exactly one is given."""

    agency = SelectField(_l("Roster of"), validate_choice=False)
    email = StringField(_l("E-mail address"))
    webhook_url = StringField(_l("Group robot webhook (企业微信 or 钉钉)"))
    staff_email = SelectField(_l("Staff member with Telegram linked"), validate_choice=False)


class TabletForm(FlaskForm):
    label = StringField(_l("Name staff will recognise"))
    area = SelectField(_l("Area (school, library, 儿童之家)"), validate_choice=False)
    place = StringField(_l("Place there (you can skip this)"))


def form_id(value) -> int:
    """An id posted in a form field; one that is not a number is simply not found."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ItemNotFound() from None
