"""What the platform tells a child, a guardian and staff about danger: one home for the rules.

The analysis (moderation/) gives a danger level and the kinds of danger. A place hazard
(an open manhole, a live wire) is not a person in danger: the child hears that the people
who fix it were told and to stay away, not "call 110". A person in danger hears that
telling was right, that it is not their fault, and the help lines that fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from webapp.models import Danger

# Kinds of danger that concern a place, not a person: the owning agency fixes it.
PLACE_KINDS = frozenset({"hazard"})


@dataclass(frozen=True)
class HelpLine:
    number: str
    label: str  # lazy: rendered in the reader's language


POLICE = HelpLine("110", _l("Police"))
FIRE = HelpLine("119", _l("Fire"))
AMBULANCE = HelpLine("120", _l("Ambulance"))
YOUTH = HelpLine("12355", _l("Youth helpline"))

# A person in danger can always call the police now and the youth helpline to talk;
# a fire or a medical emergency needs its own line first, a child who may hurt
# themself also the ambulance.
_PERSON_LINES = (POLICE, YOUTH)
_FIRST_LINES: dict[str, tuple[HelpLine, ...]] = {
    "fire": (FIRE,),
    "rescue": (FIRE,),  # caught in a lift, a locked car or water: the fire brigade rescues
    "medical": (AMBULANCE,),
}
_LAST_LINES: dict[str, tuple[HelpLine, ...]] = {"self_harm": (AMBULANCE,)}


def danger_of(analysis) -> str:
    """The danger level of an analysis: none, review or urgent."""
    level = getattr(analysis, "danger", None)
    if level in Danger.ALL:
        return level
    return Danger.URGENT if analysis.urgent else Danger.NONE


def is_person_in_danger(kinds) -> bool:
    """True unless every kind found is a hazard of a place (no kind known: a person, to be safe)."""
    kinds = tuple(kinds or ())
    return not kinds or any(kind not in PLACE_KINDS for kind in kinds)


def help_lines(kinds) -> list[HelpLine]:
    """The help lines for a person in danger, most useful first; none for a place hazard."""
    if not is_person_in_danger(kinds):
        return []
    first = [line for kind in (kinds or ()) for line in _FIRST_LINES.get(kind, ())]
    if "fire" in (kinds or ()) and set(kinds) <= {"fire", *PLACE_KINDS}:
        return first  # a fire with nobody said to be hurt: the fire brigade
    last = [line for kind in (kinds or ()) for line in _LAST_LINES.get(kind, ())]
    lines = {line.number: line for line in (*first, *_PERSON_LINES, *last)}
    return list(lines.values())
