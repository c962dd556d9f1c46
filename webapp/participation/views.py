"""Thin views: parse, call one service, render or redirect."""

import re

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from webapp.children.views import help_box, help_for, track_page
from webapp.extensions import db
from webapp.participation import bp
from webapp.participation.forms import (
    JoinForm,
    ObservationForm,
    PlainForm,
    ProposalForm,
    TrackSupportForm,
    VoteForm,
)
from webapp.services import (
    council_agenda,
    council_notices,
    council_pages,
    council_sessions,
    council_votes,
    missions,
    moderation_queue,
    support,
    tracking,
)
from webapp.services import councils as council_setup  # the views are named councils
from webapp.services.errors import DomainError
from webapp.web import client_key

DEVICE_COOKIE = "device"
DEVICE_COOKIE_SECONDS = 2 * 365 * 86400
JOINED = "council_session"  # the session this tablet joined with the code in the room
# Where "tell an adult" may send the child back to: public pages of this blueprint only.
BACK_TO = re.compile(r"/(area/[\w.\-]{1,64}|missions/\d{1,9}/report|councils/\d{1,9}|me-too)")


def no_store(response) -> Response:
    """Nothing a child typed or was shown stays in a shared browser's cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(DomainError)
def domain_error(exc):
    return render_template("error.html", message=exc.message), exc.http_status


# --- "me too" (附议) -------------------------------------------------------------


def _device() -> tuple[str, bool]:
    """This device's random id, and whether it is new (then it goes in a cookie)."""
    token = request.cookies.get(DEVICE_COOKIE)
    return (token, False) if token else (support.new_device_token(), True)


def _keep_device(response, token: str, new: bool):
    if new:
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=DEVICE_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.get("/area")
def areas():
    return render_template("participation/areas.html", roots=support.root_areas())


@bp.get("/area/<code>")
def area(code):
    board = support.area_board(code, request.cookies.get(DEVICE_COOKIE))
    return no_store(render_template("participation/area.html", board=board, form=PlainForm()))


@bp.post("/area/<code>/support/<int:suggestion_id>")
def support_in_area(code, suggestion_id):
    if not PlainForm().validate_on_submit():
        abort(400)
    token, new = _device()
    try:
        done = support.add_support(suggestion_id, token, client_key())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(
            _('Thank you! Your "me too" was counted.')
            if done.new
            else _('You already said "me too" to this one.'),
            "ok",
        )
    response = redirect(url_for("participation.area", code=code, _anchor=f"s{suggestion_id}"))
    return _keep_device(response, token, new)


@bp.post("/track/support")
def track_support():
    """ "Me too" from the tracking page: the code comes in the form, never in the URL."""
    form = TrackSupportForm()
    if not form.validate_on_submit():
        abort(400)
    token, new = _device()
    try:
        done = support.support_by_code(form.code.data, token, client_key())
    except DomainError as exc:
        db.session.rollback()
        return no_store(render_template("error.html", message=exc.message)), exc.http_status
    db.session.commit()
    page = track_page(done.suggestion, form.code.data, supported=True)
    return _keep_device(page, token, new)


@bp.get("/me-too")
def my_supports():
    found = support.supported_by_device(request.cookies.get(DEVICE_COOKIE))
    return no_store(
        render_template(
            "participation/me_too.html",
            form=PlainForm(),
            items=[(s, tracking.status_words(s.status), support.public_words(s)) for s in found],
        )
    )


# --- "告诉大人：这条不对劲" on a public card ----------------------------------------------


@bp.post("/cards/<any(suggestion, observation):kind>/<int:card_id>/tell")
def tell_an_adult(kind, card_id):
    if not PlainForm().validate_on_submit():
        abort(400)
    token, new = _device()
    try:
        moderation_queue.report_card(kind, card_id, token, client_key())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Thank you for telling us. A grown-up will look at it."), "ok")
    back = request.form.get("back", "")
    target = back if BACK_TO.fullmatch(back) else url_for("participation.areas")
    return _keep_device(redirect(target), token, new)


# --- councils: public pages --------------------------------------------------------


@bp.get("/councils")
def councils():
    return render_template("participation/councils.html", councils=council_setup.all_councils())


@bp.get("/councils/<int:council_id>")
def council_page(council_id):
    return no_store(
        render_template(
            "participation/council.html",
            view=council_pages.public_council(council_id),
            form=PlainForm(),
        )
    )


# --- councils: the tablets in the room -----------------------------------------------


@bp.route("/council/join", methods=["GET", "POST"])
def join():
    form = JoinForm()
    error = None
    if form.validate_on_submit():
        try:
            joined = council_sessions.join_session(form.code.data, client_key())
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            session[JOINED] = joined.id
            return redirect(url_for("participation.room"))
    elif request.method == "GET" and session.get(JOINED):
        try:
            council_sessions.joined_session(session[JOINED])
        except DomainError:  # that session has closed: this tablet may join another
            session.pop(JOINED, None)
        else:
            return redirect(url_for("participation.room"))
    return no_store(render_template("participation/join.html", form=form, error=error)), (
        404 if error else 200
    )


def _help_words(box: dict | None) -> str:
    """A help box as one line of text, for a message on a shared tablet."""
    if box is None:
        return _("Thank you for telling us. A grown-up will read this today.")
    lines = " ".join(f"{line['number']} {line['label']}" for line in box["lines"])
    return " ".join(part for part in (box["title"], box["message"], lines) if part)


def _room_id() -> int | None:
    return session.get(JOINED)


@bp.get("/council/room")
def room():
    view = council_pages.room_view(_room_id())
    return no_store(render_template("participation/room.html", view=view, form=PlainForm()))


@bp.get("/council/room/<int:member_id>")
def member(member_id):
    page = council_pages.member_view(_room_id(), member_id)
    return no_store(
        render_template(
            "participation/member.html",
            page=page,
            vote_form=VoteForm(),
            proposal_form=ProposalForm(formdata=None),
            form=PlainForm(),
        )
    )


@bp.post("/council/room/<int:member_id>/vote/<int:proposal_id>")
def vote(member_id, proposal_id):
    joined = council_sessions.joined_session(_room_id())
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        council_votes.cast_vote(joined, member_id, proposal_id, form.choice.data)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Your vote is in. Thank you!"), "ok")
    return redirect(url_for("participation.member", member_id=member_id, _anchor=f"p{proposal_id}"))


@bp.post("/council/room/<int:member_id>/propose")
def propose(member_id):
    joined = council_sessions.joined_session(_room_id())
    form = ProposalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        made = council_agenda.propose_as_member(
            joined, member_id, title=form.title.data, text=form.text.data
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        if isinstance(
            made, council_agenda.TakenAside
        ):  # told of danger: for a person, not the agenda
            flash(_help_words(help_for(made.suggestion)), "ok")
        else:
            flash(_("Your proposal is on today's agenda."), "ok")
    return redirect(url_for("participation.member", member_id=member_id))


@bp.post("/council/room/<int:member_id>/seen")
def seen(member_id):
    joined = council_sessions.joined_session(_room_id())
    if not PlainForm().validate_on_submit():
        abort(400)
    council_notices.mark_notices_read(joined, member_id)
    db.session.commit()
    return redirect(url_for("participation.member", member_id=member_id))


@bp.get("/council/room/tally.json")
def room_tally():
    """Live counts for the pictures on the tablets (polled every few seconds)."""
    joined = council_sessions.joined_session(_room_id())
    response = jsonify({"status": joined.status, "proposals": council_pages.live_tallies(joined)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/council/leave")
def leave():
    if PlainForm().validate_on_submit():
        session.pop(JOINED, None)
    return redirect(url_for("children.start"))


# --- observer missions ----------------------------------------------------------------


@bp.get("/missions")
def mission_list():
    return render_template("participation/missions.html", missions=missions.open_missions())


@bp.route("/missions/<int:mission_id>", methods=["GET", "POST"])
def mission(mission_id):
    found = missions.public_mission(mission_id)
    form = ObservationForm()
    form.ticks.choices = [(str(i), item) for i, item in enumerate(found.checklist)]
    error = None
    if form.validate_on_submit():
        photo = form.photo.data
        try:
            observation = missions.observe(
                mission_id,
                client=client_key(),
                ticks=form.ticks.data,
                text=form.text.data,
                place=form.place.data,
                nickname=form.nickname.data,
                photo=photo.read() if photo else None,
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            item = missions.danger_item(observation)
            return no_store(
                render_template(
                    "participation/observed.html",
                    mission=found,
                    taken_aside=item is not None,
                    help=help_box(observation.danger, item.urgent_reasons if item else ()),
                )
            )
    elif request.method == "POST":
        error = _("The page was open too long. Please go back and try again.")
    return no_store(
        render_template(
            "participation/mission.html",
            mission=found,
            form=form,
            error=error,
            open=missions.is_open(found),
        )
    ), 400 if error else 200


@bp.get("/missions/<int:mission_id>/report")
def mission_report(mission_id):
    return no_store(
        render_template(
            "participation/report.html", report=missions.public_report(mission_id), form=PlainForm()
        )
    )


@bp.get("/missions/photos/<int:photo_id>")
def mission_photo(photo_id):
    picture = missions.public_photo(photo_id)
    return Response(
        picture.data, mimetype=picture.mime_type, headers={"Cache-Control": "public, max-age=3600"}
    )
