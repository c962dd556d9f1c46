"""Forms of the councils and missions console: shape only; the services check the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

from webapp.children.forms import AGE_LABELS
from webapp.models import CHILD_AGE_BANDS, ConsentMethod

CONSENT_LABELS = {
    ConsentMethod.PAPER: _l("Paper consent form"),
    ConsentMethod.ONLINE: _l("Confirmed online"),
    ConsentMethod.IN_PERSON: _l("Guardian came in person"),
}


class CouncilForm(FlaskForm):
    area = SelectField(_l("Place"), validate_choice=False)
    name = StringField(_l("Name (you can leave it empty)"))


class MemberForm(FlaskForm):
    nickname = StringField(_l("Nickname (never the child's real name)"))
    age_band = RadioField(
        _l("Age"), choices=[(b, AGE_LABELS[b]) for b in CHILD_AGE_BANDS], validate_choice=False
    )
    consent_on = DateField(_l("Day the guardian agreed"))
    consent_method = RadioField(
        _l("How the guardian agreed"), choices=list(CONSENT_LABELS.items()), validate_choice=False
    )


class FacilitatorForm(FlaskForm):
    email = EmailField(_l("Facilitator's e-mail"))
    password = PasswordField(_l("Password (at least 12 characters)"))


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date"))
    place = StringField(_l("Place, e.g. the community activity room"))


class StaffProposalForm(FlaskForm):
    title = StringField(_l("Proposal in a few words (up to 30 characters)"))
    text = TextAreaField(_l("What the member proposes, and why"))


class AgendaForm(FlaskForm):
    suggestion = StringField()
    source = StringField()
    proposal = StringField()


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"))


class MissionForm(FlaskForm):
    title = StringField(_l("Title"))
    checklist = TextAreaField(_l("What to look for: one short line each (up to 10)"))
    area = SelectField(_l("Place"), validate_choice=False)
    starts_on = DateField(_l("First day"))
    ends_on = DateField(_l("Last day"))
    agency = SelectField(_l("Agency that receives the report"), validate_choice=False)


class PublicTextForm(FlaskForm):
    text = TextAreaField(_l("The text other people read"))
