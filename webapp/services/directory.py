"""The agency directory and area tree, loaded from a file the city edits."""

from pathlib import Path

import yaml
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Agency, Area, ReplyTemplate

AGENCY_FIELDS = (
    "name",
    "contact",
    "accept_days",
    "answer_days",
    "complex_answer_days",
    "urgent_hours",
)


def load_directory(path: str | Path) -> dict[str, int]:
    """Create or update agencies and areas by code (idempotent); returns counts."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for entry in data["agencies"]:
        agency = db.session.scalar(select(Agency).where(Agency.code == entry["code"]))
        if agency is None:
            agency = Agency(code=entry["code"])
            db.session.add(agency)
        for field in AGENCY_FIELDS:
            if field in entry:
                setattr(agency, field, entry[field])
    db.session.flush()
    areas = 0
    for root in data.get("areas", []):
        areas += _load_area(root, parent=None)
    templates = data.get("reply_templates", [])
    for entry in templates:
        _load_template(entry)
    db.session.flush()
    return {"agencies": len(data["agencies"]), "areas": areas, "templates": len(templates)}


def _load_template(entry: dict) -> None:
    agency_id = None
    if entry["agency"] != "all":
        agency_id = db.session.scalar(select(Agency.id).where(Agency.code == entry["agency"]))
    template = db.session.scalar(
        select(ReplyTemplate).where(
            ReplyTemplate.agency_id.is_(None)
            if agency_id is None
            else ReplyTemplate.agency_id == agency_id,
            ReplyTemplate.title == entry["title"],
        )
    )
    if template is None:
        template = ReplyTemplate(agency_id=agency_id, title=entry["title"])
        db.session.add(template)
    template.decision, template.why, template.next_steps = (
        entry["decision"],
        entry["why"],
        entry["next_steps"],
    )


def _load_area(entry: dict, parent: Area | None) -> int:
    area = db.session.scalar(select(Area).where(Area.code == entry["code"]))
    if area is None:
        area = Area(code=entry["code"])
        db.session.add(area)
    area.name, area.level, area.parent = entry["name"], entry["level"], parent
    return 1 + sum(_load_area(child, area) for child in entry.get("children", []))


def all_agencies() -> list[Agency]:
    """Every agency, in the order they were set up (the coordinator's first)."""
    return list(db.session.scalars(select(Agency).order_by(Agency.id)))


def area_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for a place picker, towns and villages under their parents."""
    roots = db.session.scalars(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id)).all()
    choices: list[tuple[str, str]] = []

    def walk(area: Area, prefix: str) -> None:
        label = f"{prefix}{area.name}"
        choices.append((area.code, label))
        for child in sorted(area.children, key=lambda a: a.id):
            walk(child, f"{label} · ")

    for root in roots:
        walk(root, "")
    return choices


def templates_for(agency: Agency) -> list[ReplyTemplate]:
    """The reply templates an agency's staff can start from."""
    return list(
        db.session.scalars(
            select(ReplyTemplate)
            .where((ReplyTemplate.agency_id == agency.id) | ReplyTemplate.agency_id.is_(None))
            .order_by(ReplyTemplate.agency_id.is_(None), ReplyTemplate.id)
        )
    )
