"""Registered tablets (the coordinator): register, a one-time setup code or link, revoke."""

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.services import directory
from webapp.services import tablets as tablet_service
from webapp.services.errors import DomainError
from webapp.staff import bp
from webapp.staff.duty import forbidden
from webapp.staff.forms import ActionForm, TabletForm


def _page(form: TabletForm, *, tablet=None, code=None, status: int = 200):
    form.area.choices = directory.area_choices()
    response = make_response(
        render_template(
            "staff/tablets.html",
            tablets=tablet_service.all_tablets(),
            form=form,
            action_form=ActionForm(),
            new_tablet=tablet,
            code=code,
            setup_link=code and url_for("children.tablet_setup", code=code, _external=True),
            hours=int(tablet_service.SETUP_LIFETIME.total_seconds() // 3600),
        ),
        status,
    )
    if code:  # shown once; only its keyed hash is kept
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tablets")
def tablets():
    if not g.staff.sees_all_agencies:
        return forbidden()
    return _page(TabletForm(formdata=None))


@bp.post("/tablets")
def tablet_register():
    if not g.staff.sees_all_agencies:
        return forbidden()
    form = TabletForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tablet, code = tablet_service.register(
            g.staff, form.label.data, form.area.data, form.place.data
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _page(form, status=400)
    db.session.commit()
    return _page(TabletForm(formdata=None), tablet=tablet, code=code)


@bp.post("/tablets/<int:tablet_id>/code")
def tablet_code(tablet_id):
    if not g.staff.sees_all_agencies:
        return forbidden()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        tablet, code = tablet_service.new_setup_code(g.staff, tablet_id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("staff.tablets"))
    db.session.commit()
    return _page(TabletForm(formdata=None), tablet=tablet, code=code)


@bp.post("/tablets/<int:tablet_id>/revoke")
def tablet_revoke(tablet_id):
    if not g.staff.sees_all_agencies:
        return forbidden()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        tablet_service.revoke(g.staff, tablet_id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The tablet is revoked: it no longer counts as registered."), "ok")
    return redirect(url_for("staff.tablets"))
