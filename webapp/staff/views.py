"""Thin views: parse, call one casework service, render or redirect."""

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import AGE_BANDS, OPEN_STATUSES, Photo, utcnow
from webapp.services import alerts, casework, directory, staff, work_queue
from webapp.services.errors import DomainError, ItemNotFound
from webapp.staff import bp
from webapp.staff.forms import (
    ActionForm,
    AnswerForm,
    LinkForm,
    LoginForm,
    NoteForm,
    ReasonForm,
    TransferForm,
    form_id,
)
from webapp.web import client_key


@bp.errorhandler(ItemNotFound)
def item_not_found(exc):
    return render_template("error.html", message=exc.message), 404


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = staff.authenticate(form.email.data, form.password.data, client_key())
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            session.clear()  # no session fixation: a fresh session at login
            session.permanent = True
            session["staff_id"] = user.id
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/staff/") else url_for("staff.queue"))
    return render_template("staff/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        session.clear()
    return redirect(url_for("staff.login"))


@bp.get("/")
def queue():
    filters = work_queue.QueueFilter(
        agency=request.args.get("agency") or None,
        view=request.args.get("view") or None,
        status=request.args.get("status") or None,
        topic=request.args.get("topic") or None,
        area=request.args.get("area") or None,
        age_band=request.args.get("age_band") or None,
        overdue=request.args.get("overdue") == "1",
        q=request.args.get("q") or None,
    )
    if filters.view in ("urgent", "review"):
        # Who has not acknowledged yet comes first, with the minutes waited.
        return render_template(
            "staff/board.html",
            rows=alerts.board(g.staff, filters.view),
            filters=filters,
            counts=work_queue.counts(g.staff),
            now=utcnow(),
            limit_minutes=int(alerts.ack_window(filters.view).total_seconds() // 60),
        )
    try:
        page = work_queue.queue(g.staff, filters, after=request.args.get("after"))
    except DomainError as exc:
        flash(str(exc.message), "error")
        page = work_queue.queue(g.staff, work_queue.QueueFilter())
    next_url = page.next_cursor and url_for(
        "staff.queue", **{**request.args.to_dict(), "after": page.next_cursor}
    )
    return render_template(
        "staff/queue.html",
        page=page,
        filters=filters,
        counts=work_queue.counts(g.staff),
        next_url=next_url,
        agencies=directory.all_agencies(),
        areas=directory.area_choices(),
        statuses=OPEN_STATUSES,
        age_bands=AGE_BANDS,
        now=utcnow(),
    )


@bp.get("/items/<int:item_id>")
def item(item_id):
    return _item_page(casework.get_item(g.staff, item_id))


@bp.post("/items/<int:item_id>/reveal")
def reveal(item_id):
    suggestion = casework.get_item(g.staff, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    original = casework.reveal_original(g.staff, suggestion)
    db.session.commit()
    response = _item_page(suggestion, original=original)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    picture = (casework.valid_id(photo_id) and db.session.get(Photo, photo_id)) or abort(404)
    casework.get_item(g.staff, picture.suggestion_id)  # same access as the item
    return Response(
        picture.data, mimetype=picture.mime_type, headers={"Cache-Control": "private, no-store"}
    )


# Each action: the form it reads and the one service call it makes.
ACTIONS = {
    "accept": (ActionForm, lambda u, s, f: casework.accept(u, s)),
    "answer": (
        AnswerForm,
        lambda u, s, f: casework.answer(
            u, s, decision=f.decision.data, why=f.why.data, next_steps=f.next_steps.data
        ),
    ),
    "transfer": (
        TransferForm,
        lambda u, s, f: casework.transfer(u, s, f.agency.data, f.reason.data),
    ),
    "reroute": (TransferForm, lambda u, s, f: casework.reroute(u, s, f.agency.data, f.reason.data)),
    "return": (ReasonForm, lambda u, s, f: casework.return_to_coordinator(u, s, f.reason.data)),
    "complex": (ReasonForm, lambda u, s, f: casework.mark_complex(u, s, f.reason.data)),
    "reject": (ReasonForm, lambda u, s, f: casework.reject(u, s, f.reason.data)),
    "note": (NoteForm, lambda u, s, f: casework.add_note(u, s, f.body.data)),
    "link": (LinkForm, lambda u, s, f: casework.link(u, s, form_id(f.primary.data))),
    "clear_review": (ActionForm, lambda u, s, f: casework.clear_review(u, s)),
    "raise_urgent": (ActionForm, lambda u, s, f: casework.raise_to_urgent(u, s)),
}


@bp.route("/items/<int:item_id>/ack", methods=["GET", "POST"])
def acknowledge(item_id):
    """认领. The link in an alert opens a confirmation (after login); the button posts."""
    suggestion = casework.get_item(g.staff, item_id)
    form = ActionForm()
    if request.method == "GET":
        return render_template(
            "staff/ack.html",
            item=suggestion,
            form=form,
            waiting=alerts.open_alerts(suggestion),
            allowed=alerts.can_acknowledge(g.staff, suggestion),
            now=utcnow(),
        )
    if not form.validate_on_submit():
        abort(400)
    try:
        alerts.acknowledge(g.staff, suggestion)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Acknowledged: the alert stops here. Please act on the item now."), "ok")
    return redirect(url_for("staff.item", item_id=item_id))


@bp.post("/items/<int:item_id>/<action>")
def act(item_id, action):
    suggestion = casework.get_item(g.staff, item_id)
    form_class, run = ACTIONS.get(action) or abort(404)
    form = form_class()
    if not form.validate_on_submit():
        abort(400)
    try:
        run(g.staff, suggestion, form)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("staff.item", item_id=item_id))
    db.session.commit()
    flash(_("Done."), "ok")
    if not casework.can_see(g.staff, suggestion):  # transferred or returned away from us
        return redirect(url_for("staff.queue"))
    return redirect(url_for("staff.item", item_id=item_id))


def _item_page(suggestion, original=None):
    return Response(
        render_template(
            "staff/item.html",
            item=suggestion,
            original=original,
            agencies=directory.all_agencies(),
            templates=directory.templates_for(suggestion.agency),
            now=utcnow(),
            item_alerts=alerts.history(suggestion),
            waiting=alerts.open_alerts(suggestion),
            can_acknowledge=alerts.can_acknowledge(g.staff, suggestion),
            forms={
                "action": ActionForm(),
                "answer": AnswerForm(),
                "reason": ReasonForm(),
                "transfer": TransferForm(),
                "note": NoteForm(),
                "link": LinkForm(),
            },
        )
    )
