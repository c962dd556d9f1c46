"""Support (附议): a child says "me too" to a public suggestion, one per device, no login.

A device is a random id in a long-lived cookie; only its keyed hash is stored,
so the table says which suggestions one tablet supported and nothing else.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Area, Channel, Danger, Status, Suggestion, Support, Visibility
from webapp.services import participation_errors as perrors
from webapp.services import ratelimit, suggestions

SUPPORT_BUCKET = "support"
SUPPORTS_PER_HOUR = 60  # per client: enough for a class on one tablet, not for a script
AREA_LIST_LIMIT = 50
AREA_CANDIDATES = 300


# --- areas ---------------------------------------------------------------------


def area_by_code(code: str) -> Area:
    """The area with this code."""
    area = db.session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise perrors.AreaNotFound()
    return area


def area_and_below_ids(area: Area) -> list[int]:
    """The ids of an area and every area under it."""
    ids, stack = [], [area]
    while stack:
        current = stack.pop()
        ids.append(current.id)
        stack.extend(current.children)
    return ids


# --- devices -------------------------------------------------------------------


def new_device_token() -> str:
    """A fresh random device id for the cookie."""
    return secrets.token_urlsafe(24)


def device_hash(token: str) -> str:
    """The keyed hash stored for a device id (HMAC-SHA256 with SECRET_KEY)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"device:" + (token or "").encode(), hashlib.sha256).hexdigest()


def valid_device_token(token: str | None) -> bool:
    return bool(token) and 16 <= len(token) <= 64


# --- who may be listed -----------------------------------------------------------


def listable_clause() -> tuple:
    """SQL conditions for a suggestion other children may see and support.

    Only what the child chose to share (public) and a person approved (visibility);
    an item with any danger is never public, whatever was approved before.
    """
    return (
        Suggestion.is_open.is_(True),
        Suggestion.analysed_at.is_not(None),
        Suggestion.redacted_text.is_not(None),
        Suggestion.urgent.is_(False),
        Suggestion.danger == Danger.NONE,
        Suggestion.channel != Channel.OBSERVER,
        Suggestion.public.is_(True),
        Suggestion.visibility == Visibility.APPROVED,
    )


def is_public(s: Suggestion) -> bool:
    """Its words may be shown to other people: shared, approved, no danger."""
    return (
        s.public is True
        and s.visibility == Visibility.APPROVED
        and s.analysed_at is not None
        and s.redacted_text is not None
        and not s.urgent
        and s.danger == Danger.NONE
        and s.channel != Channel.OBSERVER
    )


def is_listable(s: Suggestion) -> bool:
    """listable_clause() for one suggestion already loaded."""
    return s.is_open and is_public(s)


def public_words(s: Suggestion) -> str | None:
    """What other people read: the moderator's edit, else the redaction; None if not public."""
    if not is_public(s):
        return None
    return s.public_text or s.redacted_text


# --- counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterCount:
    linked: int  # other suggestions linked as the same issue
    supports: int  # "me too"s on the cluster

    @property
    def others(self) -> int:
        return self.linked + self.supports


def cluster_counts(items: list[Suggestion]) -> dict[int, ClusterCount]:
    """For each item, the linked suggestions and "me too"s of its cluster (primary and linked)."""
    roots = {s.id: s.linked_to_id or s.id for s in items}
    if not roots:
        return {}
    root_ids = set(roots.values())
    linked = dict(
        db.session.execute(
            select(Suggestion.linked_to_id, func.count())
            .where(Suggestion.linked_to_id.in_(root_ids))
            .group_by(Suggestion.linked_to_id)
        ).all()
    )
    direct = dict(
        db.session.execute(
            select(Support.suggestion_id, func.count())
            .where(Support.suggestion_id.in_(root_ids))
            .group_by(Support.suggestion_id)
        ).all()
    )
    via_linked = dict(
        db.session.execute(
            select(Suggestion.linked_to_id, func.count(Support.id))
            .join(Support, Support.suggestion_id == Suggestion.id)
            .where(Suggestion.linked_to_id.in_(root_ids))
            .group_by(Suggestion.linked_to_id)
        ).all()
    )
    totals = {
        r: ClusterCount(linked.get(r, 0), direct.get(r, 0) + via_linked.get(r, 0)) for r in root_ids
    }
    return {item_id: totals[root] for item_id, root in roots.items()}


def said_the_same(items: list[Suggestion]) -> dict[int, int]:
    """For each item, how many other children said the same: linked items and "me too"s."""
    return {item_id: count.others for item_id, count in cluster_counts(items).items()}


# --- supporting -------------------------------------------------------------------


@dataclass(frozen=True)
class Supported:
    suggestion: Suggestion
    new: bool  # False: this device had already said "me too"
    said_the_same: int


def add_support(suggestion_id: int, device_token: str, client: str) -> Supported:
    """Count one "me too" from this device on a listable suggestion (again is harmless)."""
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not is_listable(suggestion):
        raise perrors.SuggestionNotFound()
    return _support(suggestion, device_token, client)


def support_by_code(code: str, device_token: str, client: str) -> Supported:
    """ "Me too" on the suggestion behind a tracking code (someone shared it, e.g. a class)."""
    suggestion = suggestions.get_by_code(code, client)
    if not is_listable(suggestion):
        raise perrors.NotSupportable()
    return _support(suggestion, device_token, client)


def _support(suggestion: Suggestion, device_token: str, client: str) -> Supported:
    if not valid_device_token(device_token):
        raise perrors.NotSupportable()
    digest = device_hash(device_token)
    exists = db.session.scalar(
        select(Support.id).where(
            Support.suggestion_id == suggestion.id, Support.device_hash == digest
        )
    )
    new = False
    if exists is None:
        if ratelimit.count(SUPPORT_BUCKET, client, 3600) >= SUPPORTS_PER_HOUR:
            raise perrors.TooManySupports()
        # Counted before this request writes anything: the counter has its own transaction.
        ratelimit.hit(SUPPORT_BUCKET, client, 3600)
        try:
            with db.session.begin_nested():
                db.session.add(Support(suggestion=suggestion, device_hash=digest))
                db.session.flush()
            new = True
        except IntegrityError:  # the same device, twice at once
            new = False
    return Supported(suggestion, new, said_the_same([suggestion])[suggestion.id])


# --- what children see --------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    suggestion: Suggestion
    said_the_same: int
    mine: bool  # this device already said "me too"

    @property
    def text(self) -> str | None:
        """The approved words other children read."""
        return public_words(self.suggestion)


@dataclass(frozen=True)
class Board:
    area: Area
    areas: list[Area]  # the areas under this one, to go further down
    items: list[Listed]


def area_board(area_code: str, device_token: str | None) -> Board:
    """Open suggestions children may see in an area and below, most "me too"s first."""
    area = area_by_code(area_code)
    rows = db.session.scalars(
        select(Suggestion)
        .where(
            *listable_clause(),
            Suggestion.linked_to_id.is_(None),
            Suggestion.area_id.in_(area_and_below_ids(area)),
        )
        .order_by(Suggestion.id.desc())
        .limit(AREA_CANDIDATES)
    ).all()
    counts = said_the_same(rows)
    mine = supported_ids(device_token, [s.id for s in rows])
    items = sorted(
        (Listed(s, counts[s.id], s.id in mine) for s in rows),
        key=lambda item: (-item.said_the_same, -item.suggestion.id),
    )
    return Board(area, sorted(area.children, key=lambda a: a.id), items[:AREA_LIST_LIMIT])


def supported_ids(device_token: str | None, among: list[int]) -> set[int]:
    """Which of `among` this device said "me too" to."""
    if not valid_device_token(device_token) or not among:
        return set()
    return set(
        db.session.scalars(
            select(Support.suggestion_id).where(
                Support.device_hash == device_hash(device_token), Support.suggestion_id.in_(among)
            )
        )
    )


def supported_by_device(device_token: str | None, limit: int = 50) -> list[Suggestion]:
    """What this device said "me too" to, newest first: the child comes back for the answers."""
    if not valid_device_token(device_token):
        return []
    return list(
        db.session.scalars(
            select(Suggestion)
            .join(Support, Support.suggestion_id == Suggestion.id)
            .where(
                Support.device_hash == device_hash(device_token),
                Suggestion.status != Status.REJECTED,
            )
            .order_by(Support.id.desc())
            .limit(limit)
        )
    )


def root_areas() -> list[Area]:
    """The top of the area tree, where a child starts to choose a place."""
    return list(db.session.scalars(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id)))
