"""Duty rosters (the coordinator) and each staff member's own Telegram link for alerts."""

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import StaffUser
from webapp.services import alert_delivery, rosters
from webapp.services.errors import DomainError, NotAllowed
from webapp.staff import bp
from webapp.staff.forms import ActionForm, DutyContactForm


def forbidden():
    return render_template("error.html", message=NotAllowed.message), 403


@bp.app_template_filter("duty_contact")
def duty_contact_filter(contact) -> str:
    return rosters.describe(contact)


@bp.app_template_filter("danger_words")
def danger_words_filter(kinds) -> str:
    return alert_delivery.danger_label(kinds)


@bp.app_template_filter("alert_kind")
def alert_kind_filter(kind) -> str:
    return str(alert_delivery.KIND_LABELS.get(kind, kind))


def _linked_staff() -> list[StaffUser]:
    return list(
        db.session.scalars(
            select(StaffUser)
            .where(StaffUser.telegram_chat_id.is_not(None), StaffUser.active.is_(True))
            .order_by(StaffUser.email)
        )
    )


def _roster_page(form: DutyContactForm, status: int = 200):
    every = rosters.rosters()
    form.agency.choices = [(a.code, a.name) for a, _contacts in every]
    linked = _linked_staff()
    form.staff_email.choices = [("", "—")] + [(u.email, u.email) for u in linked]
    return render_template(
        "staff/duty.html", rosters=every, form=form, action_form=ActionForm()
    ), status


@bp.get("/duty")
def duty():
    if not g.staff.sees_all_agencies:
        return forbidden()
    return _roster_page(DutyContactForm(formdata=None))


@bp.post("/duty")
def duty_add():
    if not g.staff.sees_all_agencies:
        return forbidden()
    form = DutyContactForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rosters.add_contact(
            g.staff,
            form.agency.data,
            email=form.email.data,
            webhook_url=form.webhook_url.data,
            staff_email=form.staff_email.data,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _roster_page(form, 400)
    db.session.commit()
    flash(_("Added to the roster."), "ok")
    return redirect(url_for("staff.duty"))


@bp.post("/duty/<int:contact_id>/remove")
def duty_remove(contact_id):
    if not g.staff.sees_all_agencies:
        return forbidden()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        rosters.deactivate_contact(g.staff, contact_id)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Taken off the roster."), "ok")
    return redirect(url_for("staff.duty"))


@bp.get("/telegram")
def telegram():
    return render_template("staff/telegram.html", form=ActionForm(), code=None)


@bp.post("/telegram/code")
def telegram_code():
    if not ActionForm().validate_on_submit():
        abort(400)
    code = rosters.new_link_code(g.staff)
    db.session.commit()
    # Shown once; only its keyed hash is kept, so the page must not be cached.
    response = make_response(
        render_template(
            "staff/telegram.html",
            form=ActionForm(),
            code=code,
            minutes=int(rosters.LINK_CODE_LIFETIME.total_seconds() // 60),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/telegram/unlink")
def telegram_unlink():
    if not ActionForm().validate_on_submit():
        abort(400)
    rosters.unlink_staff_chat(g.staff)
    db.session.commit()
    flash(_("Telegram alerts are off for your account."), "ok")
    return redirect(url_for("staff.telegram"))
