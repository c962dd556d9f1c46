"""The councils and missions console. Denies by default like the rest of the staff side:
a login for every page; a facilitator sees their own council only and nothing else.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import ProposalSource, Role, StaffUser
from webapp.services import (
    council_agenda,
    council_pages,
    council_sessions,
    council_votes,
    directory,
    staff,
    voices,
)
from webapp.services import councils as council_setup  # the views are named councils
from webapp.services.errors import DomainError
from webapp.staff.forms import ActionForm, LoginForm, form_id
from webapp.staff.participation_forms import (
    AgendaForm,
    CouncilForm,
    FacilitatorForm,
    MemberForm,
    MinutesForm,
    SessionForm,
    StaffProposalForm,
)

bp = Blueprint("staff_participation", __name__)

# What a facilitator may open outside this blueprint: logging in and out.
FACILITATOR_STAFF_ENDPOINTS = {"staff.login", "staff.logout"}


@bp.before_request
def require_login():
    user = db.session.get(StaffUser, session.get("staff_id") or 0)
    g.staff = user if user is not None and user.active else None
    if g.staff is None:
        return render_template("staff/login.html", form=LoginForm(formdata=None)), 401
    return None


def confine_facilitators():
    """App-wide: a facilitator is sent to their council from the agency console, and the
    staff API refuses their tokens. (Their account has no agency either, so even past this
    check no queue or item would show.)"""
    if request.blueprint == "staff" and request.endpoint not in FACILITATOR_STAFF_ENDPOINTS:
        user = db.session.get(StaffUser, session.get("staff_id") or 0)
        if user is not None and user.role == Role.FACILITATOR:
            return redirect(url_for("staff_participation.councils"))
    elif request.blueprint == "api" and request.path.startswith("/api/v1/staff/"):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        user = staff.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is not None and user.role == Role.FACILITATOR:
            return {"error": "forbidden", "message": _("Facilitators use the council pages.")}, 403
    return None


@bp.app_template_global()
def children_together(item):
    """For the staff item page: councils, cluster, "me too"s and mission of an item."""
    return voices.together(item)


@bp.app_template_global()
def said_the_same(items):
    """For a page of the queue: other children who said the same, per item id."""
    return voices.said_the_same(list(items))


@bp.errorhandler(DomainError)
def domain_error(exc):
    return render_template("error.html", message=exc.message), exc.http_status


def _posted(form) -> bool:
    """The CSRF token is good; other fields are for the service to judge."""
    form.validate()
    return "csrf_token" not in form.errors


def _attempt(form, action, target: str):
    """The one shape of a console POST: a bad CSRF token is a 400; else run one service call
    as the unit of work. Returns (its result, None), or (None, a redirect to `target`) when
    the service refused, its message flashed."""
    if not _posted(form):
        abort(400)
    try:
        made = action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return None, redirect(target)
    db.session.commit()
    return made, None


def _run(form, action, success: str, target: str):
    """Run one service call as the unit of work; flash its outcome; go to `target`."""
    _made, refused = _attempt(form, action, target)
    if refused is None:
        flash(success, "ok")
    return refused or redirect(target)


def _propose(form, action, success: str, target: str):
    """Like _run, but a proposal that told of danger became an item, not an agenda point."""
    made, refused = _attempt(form, action, target)
    if refused is not None:
        return refused
    if isinstance(made, council_agenda.TakenAside):
        flash(
            _(
                "This proposal tells of danger: it is not on the agenda. It went to the people "
                "who can help as item #%(id)s.",
                id=made.suggestion.id,
            ),
            "error",
        )
    else:
        flash(success, "ok")
    return redirect(target)


# --- councils ---------------------------------------------------------------------


@bp.get("/councils")
def councils():
    found = council_setup.councils_for(g.staff)
    if g.staff.role == Role.FACILITATOR and found:
        return redirect(url_for("staff_participation.council_page", council_id=found[0].id))
    if not g.staff.sees_all_agencies:
        abort(404)
    form = CouncilForm()
    taken = {c.area_id for c in found}
    form.area.choices = [(code, label) for code, label in directory.area_choices()]
    return render_template(
        "staff/participation/councils.html", councils=found, form=form, taken=taken
    )


@bp.post("/councils")
def create_council():
    form = CouncilForm()
    return _run(
        form,
        lambda: council_setup.create_council(g.staff, form.area.data, form.name.data),
        _("The council is set up."),
        url_for("staff_participation.councils"),
    )


@bp.get("/councils/<int:council_id>")
def council_page(council_id):
    view = council_pages.overview(g.staff, council_id)
    return render_template(
        "staff/participation/council.html",
        view=view,
        member_form=MemberForm(formdata=None),
        facilitator_form=FacilitatorForm(formdata=None),
        session_form=SessionForm(formdata=None),
        proposal_form=StaffProposalForm(formdata=None),
        action=ActionForm(),
        today=council_setup.today(),
    )


def _council_url(council_id: int) -> str:
    return url_for("staff_participation.council_page", council_id=council_id)


def _council_post(council_id: int, form, action, success: str, run=None):
    """A POST about one council: `action(council, form)`, then back to the council's page
    (`run` is _run, or _propose for a proposal)."""
    found = council_setup.get_council(g.staff, council_id)
    return (run or _run)(form, lambda: action(found, form), success, _council_url(council_id))


@bp.post("/councils/<int:council_id>/members")
def add_member(council_id):
    def add(found, form):
        return council_setup.add_member(
            g.staff,
            found,
            nickname=form.nickname.data,
            age_band=form.age_band.data,
            consent_on=form.consent_on.data,
            consent_method=form.consent_method.data,
        )

    return _council_post(council_id, MemberForm(), add, _("Member added."))


@bp.post("/councils/members/<int:member_id>/remove")
def remove_member(member_id):
    member = council_setup.get_member(g.staff, member_id)
    return _run(
        ActionForm(),
        lambda: council_setup.remove_member(g.staff, member),
        _("Done."),
        _council_url(member.council_id),
    )


@bp.post("/councils/<int:council_id>/facilitators")
def add_facilitator(council_id):
    return _council_post(
        council_id,
        FacilitatorForm(),
        lambda found, form: council_setup.create_facilitator(
            g.staff, found, form.email.data, form.password.data
        ),
        _("The facilitator can log in now."),
    )


@bp.post("/councils/<int:council_id>/proposals")
def add_proposal(council_id):
    return _council_post(
        council_id,
        StaffProposalForm(),
        lambda found, form: council_agenda.propose_as_staff(
            g.staff, found, title=form.title.data, text=form.text.data
        ),
        _("The proposal waits for the next session."),
        run=_propose,
    )


@bp.post("/councils/<int:council_id>/sessions")
def create_session(council_id):
    found = council_setup.get_council(g.staff, council_id)
    form = SessionForm()
    created, refused = _attempt(
        form,
        lambda: council_sessions.create_session(
            g.staff,
            found,
            held_on=form.held_on.data,
            place=form.place.data,
        ),
        _council_url(council_id),
    )
    return refused or redirect(url_for("staff_participation.session_page", session_id=created.id))


# --- sessions ---------------------------------------------------------------------


def _session_url(session_id: int) -> str:
    return url_for("staff_participation.session_page", session_id=session_id)


@bp.get("/councils/sessions/<int:session_id>")
def session_page(session_id):
    view = council_pages.session_view(g.staff, session_id)
    return render_template(
        "staff/participation/session.html",
        view=view,
        action=ActionForm(),
        minutes_form=MinutesForm(formdata=None, minutes=view.session.minutes),
        proposal_form=StaffProposalForm(formdata=None),
        sources=ProposalSource,
    )


@bp.get("/councils/sessions/<int:session_id>/tally.json")
def session_tally(session_id):
    found = council_setup.get_session(g.staff, session_id)
    response = jsonify({"status": found.status, "proposals": council_pages.live_tallies(found)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _session_post(session_id: int, form, action, success: str, run=None):
    """A POST about one session: `action(session, form)`, then back to the session's page
    (`run` is _run, or _propose for a proposal)."""
    found = council_setup.get_session(g.staff, session_id)
    return (run or _run)(form, lambda: action(found, form), success, _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/agenda")
def add_to_agenda(session_id):
    def add(found, form):
        if form.proposal.data:
            return council_agenda.schedule(g.staff, found, form_id(form.proposal.data))
        return council_agenda.add_suggestion_to_agenda(
            g.staff, found, form_id(form.suggestion.data), form.source.data
        )

    return _session_post(session_id, AgendaForm(), add, _("Added to the agenda."))


@bp.post("/councils/sessions/<int:session_id>/proposals")
def add_session_proposal(session_id):
    return _session_post(
        session_id,
        StaffProposalForm(),
        lambda found, form: council_agenda.propose_as_staff(
            g.staff, found.council, title=form.title.data, text=form.text.data, session=found
        ),
        _("Added to the agenda."),
        run=_propose,
    )


@bp.post("/councils/sessions/<int:session_id>/open")
def open_session(session_id):
    return _session_post(
        session_id,
        ActionForm(),
        lambda found, _form: council_sessions.open_voting(g.staff, found),
        _("The session has started: tablets can join with the code."),
    )


@bp.post("/councils/sessions/<int:session_id>/attendance")
def attendance(session_id):
    def save(found, _form):
        present = [form_id(v) for v in request.form.getlist("present")]
        return council_sessions.set_attendance(g.staff, found, present)

    return _session_post(session_id, ActionForm(), save, _("Attendance saved."))


@bp.post("/councils/sessions/<int:session_id>/minutes")
def minutes(session_id):
    return _session_post(
        session_id,
        MinutesForm(),
        lambda found, form: (council_sessions.save_minutes(g.staff, found, form.minutes.data)),
        _("Minutes saved."),
    )


@bp.post("/councils/sessions/<int:session_id>/close")
def close_session(session_id):
    return _session_post(
        session_id,
        MinutesForm(),
        lambda found, form: (council_sessions.close_session(g.staff, found, form.minutes.data)),
        _("The session is closed."),
    )


def _proposal_post(proposal_id: int, action, success: str, *, to_council: bool = False):
    """A POST about one proposal: `action(proposal)`, then back to its session (or council)."""
    proposal = council_setup.get_proposal(g.staff, proposal_id)
    target = _council_url(proposal.council_id) if to_council else _session_url(proposal.session_id)
    return _run(ActionForm(), lambda: action(proposal), success, target)


@bp.post("/councils/proposals/<int:proposal_id>/start")
def start_vote(proposal_id):
    return _proposal_post(
        proposal_id,
        lambda proposal: council_votes.start_vote(g.staff, proposal),
        _("Voting is open."),
    )


@bp.post("/councils/proposals/<int:proposal_id>/close")
def close_vote(proposal_id):
    """The result is shown on this response only: it may carry a tracking code, shown once."""
    proposal = council_setup.get_proposal(g.staff, proposal_id)
    outcome, refused = _attempt(
        ActionForm(),
        lambda: council_votes.close_vote(g.staff, proposal),
        _session_url(proposal.session_id),
    )
    if refused is not None:
        return refused
    response = Response(render_template("staff/participation/outcome.html", outcome=outcome))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/councils/proposals/<int:proposal_id>/escalate")
def escalate(proposal_id):
    return _proposal_post(
        proposal_id,
        lambda proposal: council_votes.escalate(g.staff, proposal),
        _("Passed to the council above: it is on their next agenda."),
        to_council=True,
    )


# The missions console and the moderation queue of public pages share this blueprint and its
# login check.
from webapp.staff import mission_pages, moderation  # noqa: E402,F401
