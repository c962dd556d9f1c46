"""Staff actions, states, time limits, escalation, linking and the queue."""

from datetime import timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Alert, AlertKind, Event, Outbox, Status, Suggestion, utcnow
from webapp.services import alerts, casework, errors, rosters, staff, suggestions, work_queue


@pytest.fixture
def users(ctx):
    make = lambda email, agency, role: staff.create_staff(email, PASSWORD, agency, role)  # noqa: E731
    return {
        "urban": make("a@urban.example", "urban", "staff"),
        "edu": make("b@edu.example", "edu", "staff"),
        "coord": make("c@coord.example", "coord", "coordinator"),
    }


def routed_to(agency: str, text: str = "公园的路灯不亮了，希望快点修好", **fields) -> Suggestion:
    """A suggestion stored and analysed for real, then handed to `agency` by the coordinator."""
    s = suggestions.create_suggestion(text=text, kind="problem", channel="web", **fields).suggestion
    if s.agency.code != agency:
        casework.place_in_queue(s, casework.agency_by_code(agency))
    db.session.flush()
    return s


def actions(s: Suggestion) -> list[str]:
    return [e.action for e in s.events]


def test_routing_sets_deadlines_and_queue_position(users):
    s = routed_to("urban")
    assert s.is_open and s.queue_rank == (0 if s.urgent else 2)
    assert s.due_at == s.accept_due_at < s.answer_due_at
    assert s.accept_due_at - s.created_at >= timedelta(hours=23)


def test_accept_then_answer(users):
    s = routed_to("urban")
    casework.accept(users["urban"], s)
    assert s.status == Status.ACCEPTED and s.due_at == s.answer_due_at and s.accepted_at
    reply = casework.answer(
        users["urban"], s, decision="yes", why="秋千会伤到人", next_steps="周五前换新链子"
    )
    assert s.status == Status.ANSWERED and not s.is_open and s.due_at is None
    assert reply.agency.code == "urban" and reply.staff_id == users["urban"].id
    assert actions(s)[-2:] == ["accepted", "answered"]
    assert s.events[-1].actor == users["urban"].actor


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"decision": "maybe", "why": "x", "next_steps": "y"}, errors.UnknownDecision),
        ({"decision": "yes", "why": "", "next_steps": "y"}, errors.AnswerIncomplete),
        ({"decision": "yes", "why": "x", "next_steps": " "}, errors.AnswerIncomplete),
        ({"decision": "yes", "why": "字" * 2001, "next_steps": "y"}, errors.AnswerTooLong),
    ],
)
def test_answer_needs_all_three_parts(users, fields, error):
    s = routed_to("urban")
    with pytest.raises(error):
        casework.answer(users["urban"], s, **fields)


def test_accept_twice_is_refused(users):
    s = routed_to("urban")
    casework.accept(users["urban"], s)
    with pytest.raises(errors.WrongState):
        casework.accept(users["urban"], s)


def test_transfer_restarts_the_clock_for_the_new_agency(users):
    s = routed_to("urban")
    casework.accept(users["urban"], s)
    casework.transfer(users["urban"], s, "edu", "这是学校里的事")
    assert s.status == Status.TRANSFERRED and s.agency.code == "edu" and s.accepted_at is None
    assert s.due_at == s.accept_due_at
    event = s.events[-1]
    assert event.detail == {"from": "urban", "agency": "edu", "reason": "这是学校里的事"}
    with pytest.raises(errors.ItemNotFound):
        casework.get_item(users["urban"], s.id)  # no longer ours
    assert casework.get_item(users["edu"], s.id) is s


@pytest.mark.parametrize(
    ("agency", "reason", "error"),
    [
        ("edu", "", errors.ReasonRequired),
        ("edu", "字" * 501, errors.ReasonTooLong),
        ("nowhere", "原因", errors.UnknownAgency),
        ("urban", "原因", errors.SameAgency),
    ],
)
def test_transfer_refusals(users, agency, reason, error):
    s = routed_to("urban")
    with pytest.raises(error):
        casework.transfer(users["urban"], s, agency, reason)


def test_return_to_coordinator_then_reroute(users):
    s = routed_to("urban")
    casework.return_to_coordinator(users["urban"], s, "不是我们管的")
    assert s.status == Status.RETURNED and s.agency.code == "coord"
    with pytest.raises(errors.NotAllowed):
        casework.reroute(users["edu"], s, "edu")
    casework.reroute(users["coord"], s, "edu")
    assert s.agency.code == "edu" and s.status == Status.TRANSFERRED


def test_mark_complex_extends_the_answer_limit(users):
    s = routed_to("urban")
    casework.accept(users["urban"], s)
    before = s.answer_due_at
    casework.mark_complex(users["urban"], s, "需要多个部门一起看")
    assert s.complex and s.answer_due_at > before + timedelta(days=7)
    assert s.due_at == s.answer_due_at
    with pytest.raises(errors.WrongState):
        casework.mark_complex(users["urban"], s, "again")


def test_reject_never_for_urgent(users):
    spam = routed_to("urban", "哈哈哈哈哈哈哈哈")
    casework.reject(users["urban"], spam, "无意义内容")
    assert spam.status == Status.REJECTED and not spam.is_open
    urgent = routed_to("urban")
    urgent.urgent = True
    with pytest.raises(errors.UrgentCannotBeRejected):
        casework.reject(users["urban"], urgent, "spam")


def test_urgent_accept_limit_is_two_hours(users):
    s = suggestions.create_suggestion(
        text="公园滑梯旁边的水沟盖板被掀开了，刚才有个小孩差点掉进去，现在还没人管",
        kind="problem",
        channel="web",
    ).suggestion
    s.urgent = True  # whatever the analysis said, an urgent item is handled this way
    casework.place_in_queue(s, casework.agency_by_code("urban"))
    assert s.queue_rank == 0
    assert s.accept_due_at - utcnow() <= timedelta(hours=2)


def test_reopen_after_unsatisfied_rating_requeues(users):
    created = suggestions.create_suggestion(text="图书馆周末太挤了", kind="problem", channel="web")
    s = created.suggestion
    casework.place_in_queue(s, casework.agency_by_code("urban"))
    casework.answer(users["urban"], s, decision="no", why="暂时没有地方", next_steps="明年扩建")
    suggestions.rate(created.code, "client", "unsatisfied", "还是太挤")
    assert s.status == Status.REOPENED and s.is_open and s.due_at == s.answer_due_at
    casework.answer(users["urban"], s, decision="partly", why="周末加开阅览室", next_steps="下月起")
    assert s.status == Status.ANSWERED


def test_linked_items_are_answered_together(users):
    primary = routed_to("urban", "滨江公园的滑梯坏了")
    twin = routed_to("urban", "滨江公园滑梯坏掉了好久")
    with pytest.raises(errors.NotAllowed):
        casework.link(users["urban"], twin, primary.id)
    casework.link(users["coord"], twin, primary.id)
    casework.answer(users["urban"], primary, decision="yes", why="滑梯要修", next_steps="本周修好")
    assert twin.status == Status.ANSWERED and twin.replies[0].why == "滑梯要修"
    assert twin.events[-1].detail["linked_from"] == primary.id


def test_reveal_is_recorded(users):
    s = routed_to("urban", "我叫王小明，电话13812345678，公园灯坏了")
    original = casework.reveal_original(users["urban"], s)
    assert "13812345678" in original
    event = s.events[-1]
    assert (event.action, event.actor, event.detail) == (
        "revealed",
        users["urban"].actor,
        {"field": "text"},
    )


def test_notes_stay_private(users):
    s = routed_to("urban")
    casework.add_note(users["urban"], s, "已电话联系园林科")
    assert s.notes[0].body == "已电话联系园林科"
    from webapp.services.tracking import child_view

    assert "园林科" not in repr(child_view(s))


def test_escalation_once_per_deadline(users):
    duty = rosters.add_contact(None, "coord", email="duty@coord.example")
    s = routed_to("urban")
    s.due_at = utcnow() - timedelta(minutes=5)
    assert casework.escalate_overdue() == 1
    assert casework.escalate_overdue() == 0  # the same deadline is not escalated twice
    escalated = [e for e in s.events if e.action == "escalated"]
    assert [e.detail for e in escalated] == [{"agency": "urban", "deadline": "accept"}]
    # An overdue alert down the coordinator's roster, through the same delivery as urgent ones.
    alert = db.session.scalars(select(Alert).where(Alert.suggestion_id == s.id)).one()
    assert (alert.kind, alert.round, alert.agency.code) == (AlertKind.OVERDUE, 0, "coord")
    message = db.session.scalars(select(Outbox).where(Outbox.channel == "agency")).one()
    assert message.recipient == f"duty:{duty.id}" and message.payload["alert_id"] == alert.id
    casework.accept(users["urban"], s)  # a new deadline can be escalated again
    assert alert.acknowledged_at is not None  # taking the item on settles its overdue alert
    s.due_at = utcnow() - timedelta(minutes=1)
    assert casework.escalate_overdue() == 1
    assert [e for e in s.events if e.action == "escalated"][-1].detail["deadline"] == "answer"
    assert [a.round for a in alerts.history(s)] == [0, 1]


def test_access_between_agencies(users):
    s = routed_to("urban")
    with pytest.raises(errors.ItemNotFound):
        casework.get_item(users["edu"], s.id)
    assert casework.get_item(users["coord"], s.id) is s
    with pytest.raises(errors.ItemNotFound):
        casework.get_item(users["urban"], 999999)


def test_queue_order_filters_and_keyset_pages(users):
    items = [routed_to("urban", f"公园问题{i}号") for i in range(7)]
    items[3].urgent = True
    items[3].queue_rank = 0
    for offset, s in enumerate(items):
        if s is not items[3]:
            s.due_at = utcnow() + timedelta(hours=offset)
    routed_to("edu", "学校的问题")
    db.session.flush()

    seen, cursor = [], None
    while True:
        page = work_queue.queue(users["urban"], work_queue.QueueFilter(), after=cursor, limit=3)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen[0] is items[3]  # urgent first
    assert [s.id for s in seen[1:]] == [s.id for s in items if s is not items[3]]  # then by due
    assert len(seen) == 7  # the edu item is not in urban's queue

    found = work_queue.queue(users["urban"], work_queue.QueueFilter(q="问题5")).items
    assert [s.id for s in found] == [items[5].id]
    assert work_queue.queue(users["urban"], work_queue.QueueFilter(q="%")).items == []
    items[0].due_at = utcnow() - timedelta(hours=1)
    assert work_queue.queue(users["urban"], work_queue.QueueFilter(overdue=True)).items == [
        items[0]
    ]
    assert len(work_queue.queue(users["coord"], work_queue.QueueFilter(view="urgent")).items) == 1
    with pytest.raises(errors.BadCursor):
        work_queue.queue(users["urban"], work_queue.QueueFilter(), after="garbage")


def test_queue_area_filter_includes_areas_below(users):
    village = routed_to("urban", area_code="xinghe.qingshi.liuwan")
    routed_to("urban", area_code="xinghe.chengguan.binjiang")
    found = work_queue.queue(users["urban"], work_queue.QueueFilter(area="xinghe.qingshi")).items
    assert found == [village]


def test_every_action_writes_an_event(users):
    s = routed_to("urban")
    before = db.session.scalar(select(db.func.count()).select_from(Event))
    casework.accept(users["urban"], s)
    casework.mark_complex(users["urban"], s, "复杂")
    casework.add_note(users["urban"], s, "备注")
    casework.transfer(users["urban"], s, "edu", "学校的事")
    after = db.session.scalar(select(db.func.count()).select_from(Event))
    assert after - before == 4


def test_review_items_rank_after_urgent_and_before_the_rest(users):
    from webapp.models import Danger
    from webapp.services import priority

    s = routed_to("urban")
    casework.raise_danger(s, Danger.REVIEW, ("violence",), source="test")
    assert s.danger == Danger.REVIEW and s.queue_rank == priority.REVIEW == 1
    assert [a.kind for a in alerts.history(s)][0] == AlertKind.REVIEW
    assert casework.raise_danger(s, Danger.NONE) is None and s.danger == Danger.REVIEW
    casework.raise_danger(s, Danger.URGENT, ("abuse",), source="test", agency_code="police")
    assert s.urgent and s.queue_rank == priority.URGENT and s.agency.code == "police"
    assert s.status == Status.TRANSFERRED and s.accept_due_at - utcnow() <= timedelta(hours=2)
