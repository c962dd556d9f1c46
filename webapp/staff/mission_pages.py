"""The observer missions console: set a mission, read its report, send it to the agency,
hide an observation. Routes live on the councils-and-missions blueprint, behind its login
check; a facilitator sees no mission.
"""

from flask import Response, abort, g, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.models import Role
from webapp.services import directory, missions
from webapp.staff.forms import ActionForm
from webapp.staff.participation import _attempt, _run, bp
from webapp.staff.participation_forms import MissionForm


@bp.get("/missions")
def mission_list():
    if g.staff.role == Role.FACILITATOR:
        abort(404)
    form = MissionForm(formdata=None)
    form.area.choices = directory.area_choices()
    form.agency.choices = [(a.code, a.name) for a in directory.all_agencies()]
    return render_template(
        "staff/participation/missions.html", missions=missions.missions_for(g.staff), form=form
    )


@bp.post("/missions")
def create_mission():
    form = MissionForm()
    return _run(
        form,
        lambda: missions.create_mission(
            g.staff,
            title=form.title.data,
            checklist=(form.checklist.data or "").splitlines(),
            area_code=form.area.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            agency_code=form.agency.data,
        ),
        _("The mission is set."),
        url_for("staff_participation.mission_list"),
    )


@bp.get("/missions/<int:mission_id>")
def mission_report(mission_id):
    return render_template(
        "staff/participation/report.html",
        report=missions.staff_report(g.staff, mission_id),
        action=ActionForm(),
    )


@bp.post("/missions/<int:mission_id>/send")
def send_report(mission_id):
    return _run(
        ActionForm(),
        lambda: missions.send_report(g.staff, mission_id),
        _("The report was sent to the agency."),
        url_for("staff_participation.mission_report", mission_id=mission_id),
    )


@bp.post("/missions/observations/<int:observation_id>/<any(hide, show):what>")
def hide_observation(observation_id, what):
    observation, refused = _attempt(
        ActionForm(),
        lambda: missions.hide_observation(
            g.staff,
            observation_id,
            hidden=what == "hide",
        ),
        url_for("staff_participation.mission_list"),
    )
    return refused or redirect(
        url_for("staff_participation.mission_report", mission_id=observation.mission_id)
    )


@bp.get("/missions/photos/<int:photo_id>")
def mission_photo(photo_id):
    picture = missions.staff_photo(g.staff, photo_id)
    return Response(
        picture.data, mimetype=picture.mime_type, headers={"Cache-Control": "private, no-store"}
    )
