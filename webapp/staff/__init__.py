"""The staff console. Denies by default: only login and static pass without a session."""

from flask import Blueprint, g, render_template, request, session

from webapp.extensions import db
from webapp.models import StaffUser

bp = Blueprint("staff", __name__)

OPEN_ENDPOINTS = {"staff.login"}


@bp.before_request
def require_login():
    user = db.session.get(StaffUser, session.get("staff_id") or 0)
    g.staff = user if user is not None and user.active else None
    if g.staff is None and request.endpoint not in OPEN_ENDPOINTS:
        from webapp.staff.forms import LoginForm

        return render_template("staff/login.html", form=LoginForm(formdata=None)), 401
    return None


from webapp.staff import duty, tablets, views  # noqa: E402,F401
