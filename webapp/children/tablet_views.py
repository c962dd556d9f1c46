"""Setting up a registered tablet: the adult types the setup code from the staff console.

The code is swapped for a long random token kept in an HttpOnly cookie (only its keyed
hash is stored), and the tablet becomes a kiosk. The say-view reads the tablet from the
cookie with services.tablets.from_cookie.
"""

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from webapp.children import bp
from webapp.children.views import KIOSK_COOKIE, no_store
from webapp.extensions import db
from webapp.services import tablets
from webapp.services.errors import DomainError
from webapp.web import client_key


class TabletSetupForm(FlaskForm):
    code = StringField(_l("Setup code"))


@bp.route("/kiosk/setup", methods=["GET", "POST"])
def tablet_setup():
    form = TabletSetupForm()
    if request.method == "GET":
        # A setup link carries the code: the adult still presses the button.
        form = TabletSetupForm(formdata=None, code=request.args.get("code", "")[:32])
        current = tablets.from_cookie(request.cookies.get(tablets.COOKIE))
        return no_store(render_template("children/tablet_setup.html", form=form, current=current))
    error = None
    if form.validate_on_submit():
        try:
            tablet, token = tablets.set_up(form.code.data, client_key())
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, exc.http_status
        else:
            db.session.commit()
            response = make_response(redirect(url_for("children.start")))
            secure = current_app.config["SESSION_COOKIE_SECURE"]
            response.set_cookie(
                tablets.COOKIE,
                token,
                max_age=tablets.COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=secure,
            )
            response.set_cookie(
                KIOSK_COOKIE, "1", max_age=tablets.COOKIE_MAX_AGE, samesite="Lax", secure=secure
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    else:
        error, status = _l("The page was open too long. Please go back and try again."), 400
    return no_store(
        render_template("children/tablet_setup.html", form=form, error=error, current=None)
    ), status
