"""Domain errors of councils, support and observer missions (see errors.DomainError)."""

from flask_babel import lazy_gettext as _l

from webapp.services.errors import DomainError


class CouncilNotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = _l("No such council.")


class CouncilExists(DomainError):
    code = "council_exists"
    http_status = 409
    message = _l("This place already has a children's council.")


class ParentCouncilMissing(DomainError):
    code = "parent_council_missing"
    http_status = 409
    message = _l("Please set up the council of the place above this one first.")


class NameInvalid(DomainError):
    code = "name_invalid"
    message = _l("Please give a name of up to 60 characters.")


class NicknameInvalid(DomainError):
    code = "nickname_invalid"
    message = _l("Please give a nickname of 1 to 12 characters: not a real name, no phone number.")


class NicknameTaken(DomainError):
    code = "nickname_taken"
    http_status = 409
    message = _l("This council already has a member with that nickname.")


class ConsentMissing(DomainError):
    code = "consent_missing"
    message = _l("Please record the day and the way the guardian agreed (not a future day).")


class MemberNotFound(DomainError):
    code = "member_not_found"
    http_status = 404
    message = _l("No such member on this council.")


class SessionNotFound(DomainError):
    code = "session_not_found"
    http_status = 404
    message = _l("No such council session.")


class SessionInputInvalid(DomainError):
    code = "session_invalid"
    message = _l("Please give the date and the place of the session.")


class JoinCodeWrong(DomainError):
    code = "join_code_wrong"
    http_status = 404
    message = _l("That code does not open a council session. Please ask your facilitator.")


class ProposalNotFound(DomainError):
    code = "proposal_not_found"
    http_status = 404
    message = _l("No such proposal.")


class ProposalInvalid(DomainError):
    code = "proposal_invalid"
    message = _l(
        "Please give the proposal a short title (up to 30 characters) and say what you propose."
    )


class ProposalWrongState(DomainError):
    code = "proposal_wrong_state"
    http_status = 409
    message = _l("This proposal is not at a step that allows this.")


class VoteNotOpen(DomainError):
    code = "vote_not_open"
    http_status = 409
    message = _l("Voting on this proposal is not open right now.")


class UnknownChoice(DomainError):
    code = "unknown_choice"
    message = _l("Please choose: agree, disagree or not sure.")


class VoteStillOpen(DomainError):
    code = "vote_still_open"
    http_status = 409
    message = _l("Please finish the vote that is still open first.")


class NoVotes(DomainError):
    code = "no_votes"
    http_status = 409
    message = _l("Nobody has voted yet.")


class NoParentCouncil(DomainError):
    code = "no_parent_council"
    http_status = 409
    message = _l("This council has no council above it.")


class AlreadyEscalated(DomainError):
    code = "already_escalated"
    http_status = 409
    message = _l("This proposal has already been passed to the council above.")


class FacilitatorInputInvalid(DomainError):
    code = "facilitator_invalid"
    message = _l("Please give an e-mail and a password of at least 12 characters.")


class AccountExists(DomainError):
    code = "account_exists"
    http_status = 409
    message = _l("That e-mail already belongs to a staff account.")


# --- support (附议) ------------------------------------------------------------


class NotSupportable(DomainError):
    code = "not_supportable"
    http_status = 409
    message = _l('This message cannot get a "me too" right now.')


class SuggestionNotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = _l("We could not find that message.")


class AreaNotFound(DomainError):
    code = "area_not_found"
    http_status = 404
    message = _l("We could not find that place.")


class TooManySupports(DomainError):
    code = "too_many_supports"
    http_status = 429
    message = _l('That is a lot of "me too" for one tablet. Please try again later.')


# --- observer missions ----------------------------------------------------------


class MissionNotFound(DomainError):
    code = "mission_not_found"
    http_status = 404
    message = _l("No such mission.")


class MissionInputInvalid(DomainError):
    code = "mission_invalid"
    message = _l(
        "Please give a title, 1 to 10 things to look for (up to 30 characters each), "
        "a place, the dates and the agency."
    )


class MissionClosed(DomainError):
    code = "mission_closed"
    http_status = 409
    message = _l("This mission is not open today.")


class ObservationEmpty(DomainError):
    code = "observation_empty"
    message = _l("Please tick what you saw, write a few words or add a photo.")


class ObservationTooLong(DomainError):
    code = "observation_too_long"
    message = _l("That is a bit long. Please keep it under 1000 characters.")


class ReportAlreadySent(DomainError):
    code = "report_sent"
    http_status = 409
    message = _l("This report has already been sent.")


class ReportEmpty(DomainError):
    code = "report_empty"
    http_status = 409
    message = _l("There are no observations to send yet.")
