"""The moderation queue of public pages: the coordinator (or an admin) approves, edits the
redaction of, or hides what children shared before anyone else can read it.

Routes live on the councils-and-missions blueprint, behind its login check; the service
refuses everyone but the coordinator and admins.
"""

from flask import abort, g, render_template, url_for
from flask_babel import gettext as _

from webapp.models import utcnow
from webapp.services import moderation_queue
from webapp.staff.forms import ActionForm, ReasonForm
from webapp.staff.participation import _run, bp
from webapp.staff.participation_forms import PublicTextForm

ACTIONS = {
    "approve": (
        ActionForm,
        lambda u, k, i, f: moderation_queue.approve(u, k, i),
        lambda: _("Approved: other people can read it now."),
    ),
    "edit": (
        PublicTextForm,
        lambda u, k, i, f: moderation_queue.edit(u, k, i, f.text.data),
        lambda: _("Your text is shown now; the child's words stay for staff only."),
    ),
    "hide": (
        ReasonForm,
        lambda u, k, i, f: moderation_queue.hide(u, k, i, f.reason.data),
        lambda: _("Hidden from the public pages."),
    ),
}


@bp.get("/moderation")
def moderation():
    cards = moderation_queue.queue(g.staff)
    return render_template(
        "staff/moderation.html",
        cards=cards,
        now=utcnow(),
        action=ActionForm(),
        reason_form=ReasonForm(formdata=None),
        text_form=PublicTextForm(formdata=None),
    )


@bp.post("/moderation/<any(suggestion, observation):kind>/<int:card_id>/<action>")
def moderate(kind, card_id, action):
    form_class, run, done = ACTIONS.get(action) or abort(404)
    form = form_class()
    return _run(
        form,
        lambda: run(g.staff, kind, card_id, form),
        done(),
        url_for("staff_participation.moderation"),
    )
