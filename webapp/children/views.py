"""Thin views: parse the form, call one service, render."""

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.children import bp
from webapp.children.forms import CodeForm, LookupForm, RatingForm, SuggestionForm
from webapp.extensions import db
from webapp.models import Channel, Danger, Kind
from webapp.services import directory, following, safeguarding, suggestions, tablets, tracking
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


def danger_level(suggestion) -> str:
    """none, review or urgent for a stored item (older rows only have `urgent`)."""
    if suggestion.urgent or suggestion.danger == Danger.URGENT:
        return Danger.URGENT
    return suggestion.danger if suggestion.danger in Danger.ALL else Danger.NONE


def help_box(level: str, kinds) -> dict | None:
    """What a child reads about danger after telling, the same on the pages and the API.

    A person in danger: telling was right, not their fault, the help lines that fit.
    For review: a grown-up reads it today, and the lines. A place hazard: the people who
    fix it were told, stay away (no 110). Nothing for ordinary items.
    """
    if level not in Danger.RAISED:
        return None
    if not safeguarding.is_person_in_danger(kinds):
        return {
            "kind": "hazard",
            "title": _("Thank you for telling us."),
            "message": _(
                "We told the people who fix it. Please stay away from it until it is fixed."
            ),
            "lines": [],
        }
    lines = [
        {"number": line.number, "label": str(line.label)} for line in safeguarding.help_lines(kinds)
    ]
    if level == Danger.URGENT:
        return {
            "kind": "person",
            "title": _("Telling us was the right thing to do."),
            "message": _(
                "It is not your fault. A grown-up will read this very soon and "
                "help. If you are in danger right now, tell a grown-up you trust, "
                "or call:"
            ),
            "lines": lines,
        }
    return {
        "kind": "review",
        "title": _("Thank you for telling us."),
        "message": _(
            "A grown-up will read this today. If you feel unsafe, tell a grown-up "
            "you trust, or call:"
        ),
        "lines": lines,
    }


def help_for(suggestion) -> dict | None:
    """help_box() for a stored suggestion."""
    return help_box(danger_level(suggestion), suggestion.urgent_reasons or ())


def track_page(suggestion, code: str, **extra):
    """The tracking page of one suggestion (also after "me too" from it)."""
    return no_store(
        render_template(
            "children/track.html",
            view=tracking.child_view(suggestion),
            help=help_for(suggestion),
            followers=following.count(suggestion),
            code_form=CodeForm(formdata=None, code=code),
            rating_form=RatingForm(formdata=None, code=code),
            **{"error": None, "rated": False, **extra},
        )
    )


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
                text=form.text.data,
                kind=kind,
                channel=Channel.WEB,
                age_band=form.age_band.data,
                area_code=form.area.data,
                place=form.place.data,
                photos=[photo.read()] if photo else [],
                public=bool(form.public.data),
                family_may_read=bool(form.family_may_read.data),
                # A registered tablet tells where it stands (school, library, 儿童之家).
                tablet=tablets.from_cookie(request.cookies.get(tablets.COOKIE)),
            )
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            return no_store(
                render_template(
                    "children/done.html", code=created.code, help=help_for(created.suggestion)
                )
            )
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


@bp.post("/track/stop-following")
def stop_following():
    """The child stops every chat that follows this message."""
    form = CodeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        suggestion = suggestions.get_by_code(form.code.data, client_key())
    except DomainError as exc:
        lookup = LookupForm(formdata=None, code=form.code.data)
        return no_store(
            render_template("children/lookup.html", form=lookup, error=exc.message)
        ), exc.http_status
    following.stop_all(suggestion, "child")
    db.session.commit()
    return track_page(suggestion, form.code.data, stopped=True)


def _show(code, error=None, rated=False):
    try:
        suggestion = suggestions.get_by_code(code, client_key())
    except DomainError as exc:
        form = LookupForm(formdata=None, code=code)
        return no_store(render_template("children/lookup.html", form=form, error=exc.message)), (
            exc.http_status
        )
    return track_page(suggestion, code, error=error, rated=rated)
