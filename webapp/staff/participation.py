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
from webapp.models import Agency, ProposalSource, Role, StaffUser
from webapp.services import council, directory, missions, staff, voices
from webapp.services.errors import DomainError
from webapp.staff.forms import ActionForm, LoginForm
from webapp.staff.participation_forms import (
    AgendaForm,
    CouncilForm,
    FacilitatorForm,
    MemberForm,
    MinutesForm,
    MissionForm,
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


def _run(action, success: str, target: str):
    """Run one service call as the unit of work; flash its outcome; go to `target`."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(success, "ok")
    return redirect(target)


# --- councils ---------------------------------------------------------------------

@bp.get("/councils")
def councils():
    found = council.councils_for(g.staff)
    if g.staff.role == Role.FACILITATOR and found:
        return redirect(url_for("staff_participation.council_page", council_id=found[0].id))
    if not g.staff.sees_all_agencies:
        abort(404)
    form = CouncilForm()
    taken = {c.area_id for c in found}
    form.area.choices = [(code, label) for code, label in directory.area_choices()]
    return render_template("staff/participation/councils.html", councils=found, form=form,
                           taken=taken)


@bp.post("/councils")
def create_council():
    form = CouncilForm()
    if not _posted(form):
        abort(400)
    return _run(lambda: council.create_council(g.staff, form.area.data, form.name.data),
                _("The council is set up."), url_for("staff_participation.councils"))


@bp.get("/councils/<int:council_id>")
def council_page(council_id):
    view = council.overview(g.staff, council_id)
    return render_template(
        "staff/participation/council.html", view=view, member_form=MemberForm(formdata=None),
        facilitator_form=FacilitatorForm(formdata=None), session_form=SessionForm(formdata=None),
        proposal_form=StaffProposalForm(formdata=None), action=ActionForm(), today=council.today(),
    )


def _council_url(council_id: int) -> str:
    return url_for("staff_participation.council_page", council_id=council_id)


@bp.post("/councils/<int:council_id>/members")
def add_member(council_id):
    found = council.get_council(g.staff, council_id)
    form = MemberForm()
    if not _posted(form):
        abort(400)
    return _run(lambda: council.add_member(
        g.staff, found, nickname=form.nickname.data, age_band=form.age_band.data,
        consent_on=form.consent_on.data, consent_method=form.consent_method.data,
    ), _("Member added."), _council_url(council_id))


@bp.post("/councils/members/<int:member_id>/remove")
def remove_member(member_id):
    member = council.get_member(g.staff, member_id)
    if not _posted(ActionForm()):
        abort(400)
    return _run(lambda: council.remove_member(g.staff, member), _("Done."),
                _council_url(member.council_id))


@bp.post("/councils/<int:council_id>/facilitators")
def add_facilitator(council_id):
    found = council.get_council(g.staff, council_id)
    form = FacilitatorForm()
    if not _posted(form):
        abort(400)
    return _run(lambda: council.create_facilitator(g.staff, found, form.email.data,
                                                   form.password.data),
                _("The facilitator can log in now."), _council_url(council_id))


def _propose(action, success: str, target: str):
    """Like _run, but a proposal that told of danger became an item, not an agenda point."""
    try:
        made = action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(target)
    db.session.commit()
    if isinstance(made, council.TakenAside):
        flash(_("This proposal tells of danger: it is not on the agenda. It went to the people "
                "who can help as item #%(id)s.", id=made.suggestion.id), "error")
    else:
        flash(success, "ok")
    return redirect(target)


@bp.post("/councils/<int:council_id>/proposals")
def add_proposal(council_id):
    found = council.get_council(g.staff, council_id)
    form = StaffProposalForm()
    if not _posted(form):
        abort(400)
    return _propose(lambda: council.propose_as_staff(g.staff, found, title=form.title.data,
                                                     text=form.text.data),
                    _("The proposal waits for the next session."), _council_url(council_id))


@bp.post("/councils/<int:council_id>/sessions")
def create_session(council_id):
    found = council.get_council(g.staff, council_id)
    form = SessionForm()
    if not _posted(form):
        abort(400)
    try:
        created = council.create_session(g.staff, found, held_on=form.held_on.data,
                                         place=form.place.data)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_council_url(council_id))
    db.session.commit()
    return redirect(url_for("staff_participation.session_page", session_id=created.id))


# --- sessions ---------------------------------------------------------------------

def _session_url(session_id: int) -> str:
    return url_for("staff_participation.session_page", session_id=session_id)


@bp.get("/councils/sessions/<int:session_id>")
def session_page(session_id):
    view = council.session_view(g.staff, session_id)
    return render_template(
        "staff/participation/session.html", view=view, action=ActionForm(),
        minutes_form=MinutesForm(formdata=None, minutes=view.session.minutes),
        proposal_form=StaffProposalForm(formdata=None), sources=ProposalSource,
    )


@bp.get("/councils/sessions/<int:session_id>/tally.json")
def session_tally(session_id):
    found = council.get_session(g.staff, session_id)
    response = jsonify({"status": found.status, "proposals": council.live_tallies(found)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/councils/sessions/<int:session_id>/agenda")
def add_to_agenda(session_id):
    found = council.get_session(g.staff, session_id)
    form = AgendaForm()
    if not _posted(form):
        abort(400)
    if form.proposal.data:
        action = lambda: council.schedule(g.staff, found, _int(form.proposal.data))  # noqa: E731
    else:
        action = lambda: council.add_suggestion_to_agenda(  # noqa: E731
            g.staff, found, _int(form.suggestion.data), form.source.data)
    return _run(action, _("Added to the agenda."), _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/proposals")
def add_session_proposal(session_id):
    found = council.get_session(g.staff, session_id)
    form = StaffProposalForm()
    if not _posted(form):
        abort(400)
    return _propose(lambda: council.propose_as_staff(g.staff, found.council,
                                                     title=form.title.data, text=form.text.data,
                                                     session=found),
                    _("Added to the agenda."), _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/open")
def open_session(session_id):
    found = council.get_session(g.staff, session_id)
    if not _posted(ActionForm()):
        abort(400)
    return _run(lambda: council.open_voting(g.staff, found),
                _("The session has started: tablets can join with the code."),
                _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/attendance")
def attendance(session_id):
    found = council.get_session(g.staff, session_id)
    if not _posted(ActionForm()):
        abort(400)
    present = [_int(v) for v in request.form.getlist("present")]
    return _run(lambda: council.set_attendance(g.staff, found, present),
                _("Attendance saved."), _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/minutes")
def minutes(session_id):
    found = council.get_session(g.staff, session_id)
    form = MinutesForm()
    if not _posted(form):
        abort(400)
    return _run(lambda: council.save_minutes(g.staff, found, form.minutes.data),
                _("Minutes saved."), _session_url(session_id))


@bp.post("/councils/sessions/<int:session_id>/close")
def close_session(session_id):
    found = council.get_session(g.staff, session_id)
    form = MinutesForm()
    if not _posted(form):
        abort(400)
    return _run(lambda: council.close_session(g.staff, found, form.minutes.data),
                _("The session is closed."), _session_url(session_id))


@bp.post("/councils/proposals/<int:proposal_id>/start")
def start_vote(proposal_id):
    proposal = council.get_proposal(g.staff, proposal_id)
    if not _posted(ActionForm()):
        abort(400)
    return _run(lambda: council.start_vote(g.staff, proposal), _("Voting is open."),
                _session_url(proposal.session_id))


@bp.post("/councils/proposals/<int:proposal_id>/close")
def close_vote(proposal_id):
    """The result is shown on this response only: it may carry a tracking code, shown once."""
    proposal = council.get_proposal(g.staff, proposal_id)
    if not _posted(ActionForm()):
        abort(400)
    try:
        outcome = council.close_vote(g.staff, proposal)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(_session_url(proposal.session_id))
    db.session.commit()
    response = Response(render_template("staff/participation/outcome.html", outcome=outcome))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/councils/proposals/<int:proposal_id>/escalate")
def escalate(proposal_id):
    proposal = council.get_proposal(g.staff, proposal_id)
    if not _posted(ActionForm()):
        abort(400)
    return _run(lambda: council.escalate(g.staff, proposal),
                _("Passed to the council above: it is on their next agenda."),
                _council_url(proposal.council_id))


# --- missions ---------------------------------------------------------------------

@bp.get("/missions")
def mission_list():
    if g.staff.role == Role.FACILITATOR:
        abort(404)
    form = MissionForm(formdata=None)
    form.area.choices = directory.area_choices()
    form.agency.choices = [(a.code, a.name) for a in _agencies()]
    return render_template("staff/participation/missions.html",
                           missions=missions.missions_for(g.staff), form=form)


@bp.post("/missions")
def create_mission():
    form = MissionForm()
    if not _posted(form):
        abort(400)
    lines = (form.checklist.data or "").splitlines()
    return _run(lambda: missions.create_mission(
        g.staff, title=form.title.data, checklist=lines, area_code=form.area.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, agency_code=form.agency.data,
    ), _("The mission is set."), url_for("staff_participation.mission_list"))


@bp.get("/missions/<int:mission_id>")
def mission_report(mission_id):
    return render_template("staff/participation/report.html",
                           report=missions.staff_report(g.staff, mission_id), action=ActionForm())


@bp.post("/missions/<int:mission_id>/send")
def send_report(mission_id):
    if not _posted(ActionForm()):
        abort(400)
    return _run(lambda: missions.send_report(g.staff, mission_id),
                _("The report was sent to the agency."),
                url_for("staff_participation.mission_report", mission_id=mission_id))


@bp.post("/missions/observations/<int:observation_id>/<any(hide, show):what>")
def hide_observation(observation_id, what):
    if not _posted(ActionForm()):
        abort(400)
    try:
        observation = missions.hide_observation(g.staff, observation_id, hidden=what == "hide")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("staff_participation.mission_list"))
    db.session.commit()
    return redirect(url_for("staff_participation.mission_report",
                            mission_id=observation.mission_id))


@bp.get("/missions/photos/<int:photo_id>")
def mission_photo(photo_id):
    picture = missions.staff_photo(g.staff, photo_id)
    return Response(picture.data, mimetype=picture.mime_type,
                    headers={"Cache-Control": "private, no-store"})


def _agencies():
    return db.session.scalars(db.select(Agency).order_by(Agency.id)).all()


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# The moderation queue of public pages shares this blueprint and its login check.
from webapp.staff import moderation  # noqa: E402,F401
