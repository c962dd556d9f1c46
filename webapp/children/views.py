"""Thin views: parse the form, call one service, render."""

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from webapp.children import bp
from webapp.children.forms import LookupForm, RatingForm, SuggestionForm
from webapp.extensions import db
from webapp.models import Channel, Kind
from webapp.services import directory, suggestions, tracking
from webapp.services.errors import DomainError
from webapp.web import client_key

KIOSK_COOKIE = "kiosk"


@bp.app_context_processor
def kiosk_settings():
    config = current_app.config
    return {
        "kiosk": request.cookies.get(KIOSK_COOKIE) == "1",
        "kiosk_idle_seconds": config["KIOSK_IDLE_SECONDS"],
        "kiosk_done_seconds": config["KIOSK_DONE_SECONDS"],
    }


def no_store(response):
    """Nothing a child typed or was given stays in a shared browser's cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def start():
    return render_template("children/start.html")


@bp.get("/kiosk/<any(on, off):mode>")
def kiosk(mode):
    """Set this tablet to shared-kiosk mode (or back)."""
    response = redirect(url_for("children.start"))
    if mode == "on":
        response.set_cookie(KIOSK_COOKIE, "1", max_age=10 * 365 * 86400, samesite="Lax")
    else:
        response.delete_cookie(KIOSK_COOKIE)
    return response


@bp.route("/say/<kind>", methods=["GET", "POST"])
def say(kind):
    if kind not in Kind.ALL:
        abort(404)
    form = SuggestionForm()
    form.area.choices = [("", "—")] + directory.area_choices()
    error = None
    if form.validate_on_submit():
        photo = form.photo.data
        try:
            created = suggestions.create_suggestion(
                text=form.text.data, kind=kind, channel=Channel.WEB,
                age_band=form.age_band.data, area_code=form.area.data,
                place=form.place.data, photos=[photo.read()] if photo else [],
                public=form.public.data,
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            return no_store(render_template(
                "children/done.html", code=created.code, urgent=created.suggestion.urgent
            ))
    elif request.method == "POST":
        error = form.errors and next(iter(form.errors.values()))[0]
    status = 400 if error else 200
    return no_store(render_template("children/say.html", form=form, kind=kind, error=error)), status


@bp.route("/track", methods=["GET", "POST"])
def track():
    """Look up a suggestion by its code (POST, so codes stay out of URLs and logs)."""
    form = LookupForm()
    if not form.validate_on_submit():
        return no_store(render_template("children/lookup.html", form=form))
    return _show(form.code.data)


@bp.post("/track/rate")
def rate():
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        suggestions.rate(form.code.data, client_key(), form.rating.data, form.comment.data)
    except DomainError as exc:
        db.session.rollback()
        return _show(form.code.data, error=exc.message)
    db.session.commit()
    return _show(form.code.data, rated=True)


def _show(code, error=None, rated=False):
    try:
        suggestion = suggestions.get_by_code(code, client_key())
    except DomainError as exc:
        form = LookupForm(formdata=None, code=code)
        return no_store(render_template("children/lookup.html", form=form, error=exc.message)), (
            exc.http_status
        )
    view = tracking.child_view(suggestion)
    rating_form = RatingForm(formdata=None, code=code)
    return no_store(render_template(
        "children/track.html", view=view, rating_form=rating_form, error=error, rated=rated
    ))
