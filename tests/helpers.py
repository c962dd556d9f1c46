"""Helpers shared by tests (import as `from helpers import ...`)."""

from webapp.extensions import db

PASSWORD = "correct horse battery staple"


def answer_as_coordinator(
    suggestion, decision="yes", why="因为安全最重要", next_steps="下周一修好"
):
    """Answer through the real casework service, as a coordinator (who sees every item)."""
    from webapp.models import StaffUser
    from webapp.services import casework, staff

    user = db.session.scalar(db.select(StaffUser).where(StaffUser.role == "coordinator"))
    if user is None:
        user = staff.create_staff("coordinator@city.example", PASSWORD, "coord", "coordinator")
    return casework.answer(user, suggestion, decision=decision, why=why, next_steps=next_steps)
