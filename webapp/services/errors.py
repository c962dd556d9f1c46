"""Domain errors. Each carries the message that web, API and bot all show."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain was not met; nothing was changed."""

    code = "invalid"
    message = _l("Something went wrong. Please try again.")
    http_status = 400

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(self.code)


class EmptyText(DomainError):
    code = "empty_text"
    message = _l("Please write a few words first.")


class TextTooLong(DomainError):
    code = "text_too_long"
    message = _l("That is a bit long. Please keep it under 2000 characters.")


class UnknownKind(DomainError):
    code = "unknown_kind"
    message = _l("Please choose: an idea, a problem or a thank-you.")


class UnknownAgeBand(DomainError):
    code = "unknown_age_band"
    message = _l("Please choose your age from the list.")


class UnknownArea(DomainError):
    code = "unknown_area"
    message = _l("Please choose a place from the list.")


class PlaceTooLong(DomainError):
    code = "place_too_long"
    message = _l("Please describe the place in fewer words.")


class PhotoRejected(DomainError):
    code = "photo_rejected"
    message = _l("We could not use that picture. Please choose a photo (JPG, PNG or WebP).")


class PhotoTooLarge(DomainError):
    code = "photo_too_large"
    http_status = 413
    message = _l("That picture is too big. Please choose one smaller than 5 MB.")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = _l("We could not find that code. Please check each word and number and try again.")


class TooManyTries(DomainError):
    code = "too_many_tries"
    http_status = 429
    message = _l("Too many tries. Please wait a little while, or ask a grown-up to help.")


class UnknownRating(DomainError):
    code = "unknown_rating"
    message = _l("Please choose one of the faces.")


class RatingNotOpen(DomainError):
    code = "rating_not_open"
    http_status = 409
    message = _l("You can rate once the answer has arrived.")


class CommentTooLong(DomainError):
    code = "comment_too_long"
    message = _l("Please keep your comment under 500 characters.")


# --- staff side ---------------------------------------------------------------


class ItemNotFound(DomainError):
    code = "not_found"
    http_status = 404
    message = _l("No such item.")


class NotAllowed(DomainError):
    code = "forbidden"
    http_status = 403
    message = _l("Only the coordinator can do this.")


class WrongState(DomainError):
    code = "wrong_state"
    http_status = 409
    message = _l("This item is not in a state that allows this action.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _l("Please give a reason.")


class ReasonTooLong(DomainError):
    code = "reason_too_long"
    message = _l("Please keep the reason under 500 characters.")


class UnknownAgency(DomainError):
    code = "unknown_agency"
    message = _l("Please choose an agency from the list.")


class SameAgency(DomainError):
    code = "same_agency"
    http_status = 409
    message = _l("The item is already with that agency.")


class UnknownDecision(DomainError):
    code = "unknown_decision"
    message = _l("Please choose what was decided: yes, partly or no.")


class AnswerIncomplete(DomainError):
    code = "answer_incomplete"
    message = _l("Please say why, and what happens next and when.")


class AnswerTooLong(DomainError):
    code = "answer_too_long"
    message = _l("Please keep each part under 2000 characters.")


class UrgentCannotBeRejected(DomainError):
    code = "urgent_cannot_be_rejected"
    http_status = 409
    message = _l("An urgent item can never be rejected: a person must act on it.")


class BadCursor(DomainError):
    code = "bad_cursor"
    message = _l("That page link is not valid.")


class LoginFailed(DomainError):
    code = "login_failed"
    http_status = 401
    message = _l("Wrong e-mail or password.")


class LoginThrottled(DomainError):
    code = "login_throttled"
    http_status = 429
    message = _l("Too many failed logins. Please wait 15 minutes.")


class StaffInputInvalid(DomainError):
    code = "invalid_staff"
    message = _l("E-mail, password (at least 12 characters), agency and role are all needed.")
