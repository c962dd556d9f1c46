"""Children's councils: tiers, members with consent, a session from agenda to answer, escalation."""

from datetime import date, timedelta

import pytest
from helpers import PASSWORD, answer_as_coordinator
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Channel,
    ConsentMethod,
    Council,
    Event,
    Outbox,
    Proposal,
    ProposalSource,
    ProposalStatus,
    Role,
    SessionStatus,
    Status,
    Suggestion,
    utcnow,
)
from webapp.services import (
    casework,
    council_agenda,
    council_notices,
    council_pages,
    council_sessions,
    council_votes,
    councils,
    errors,
    staff,
    suggestions,
    support,
    work_queue,
)
from webapp.services import participation_errors as perrors

COUNTY, TOWN, SCHOOL = "xinghe", "xinghe.chengguan", "xinghe.chengguan.shiyan"


@pytest.fixture
def coord(ctx):
    return staff.create_staff("c@coord.example", PASSWORD, "coord", "coordinator")


@pytest.fixture
def tree(coord):
    """The three tiers, top down: county, town (street), school."""
    return {code: councils.create_council(coord, code) for code in (COUNTY, TOWN, SCHOOL)}


def add_members(user, c, *names):
    return [
        councils.add_member(
            user,
            c,
            nickname=n,
            age_band="9-11",
            consent_on=date(2025, 3, 1),
            consent_method=ConsentMethod.PAPER,
        )
        for n in names
    ]


def open_session(user, c):
    s = council_sessions.create_session(user, c, held_on=councils.today(), place="学校会议室")
    council_sessions.open_voting(user, s)
    return s


def vote_and_close(user, session, proposal, choices):
    council_votes.start_vote(user, proposal)
    for member, choice in choices:
        council_votes.cast_vote(session, member.id, proposal.id, choice)
    return council_votes.close_vote(user, proposal)


def notices(member) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(Outbox.channel == "council", Outbox.recipient == str(member.id))
    )


def answer(suggestion, **kw):
    """Answer through casework, then tell the members (idempotent: casework may call it too)."""
    reply = answer_as_coordinator(suggestion, **kw)
    council_notices.notify_members_of_answer(suggestion)
    return reply


# --- tiers -------------------------------------------------------------------------


def test_three_tiers_bound_to_the_area_tree(tree):
    county, town, school = tree[COUNTY], tree[TOWN], tree[SCHOOL]
    assert [c.tier for c in (county, town, school)] == ["county", "town", "village"]
    assert county.parent is None and town.parent is county and school.parent is town
    assert school.parent is town
    assert county.name == "星河县儿童议事会"


def test_councils_are_made_top_down_one_per_area(coord):
    with pytest.raises(perrors.ParentCouncilMissing):
        councils.create_council(coord, TOWN)
    councils.create_council(coord, COUNTY)
    with pytest.raises(perrors.CouncilExists):
        councils.create_council(coord, COUNTY)
    with pytest.raises(perrors.AreaNotFound):
        councils.create_council(coord, "nowhere")


def test_only_the_coordinator_sets_up_councils(tree):
    agency_staff = staff.create_staff("a@urban.example", PASSWORD, "urban", "staff")
    with pytest.raises(errors.NotAllowed):
        councils.create_council(agency_staff, "xinghe.qingshi")
    assert councils.councils_for(agency_staff) == []


# --- members with consent ----------------------------------------------------------------


def test_member_by_nickname_with_guardian_consent(coord, tree):
    school = tree[SCHOOL]
    member = councils.add_member(
        coord,
        school,
        nickname="小海豚",
        age_band="9-11",
        consent_on=date(2025, 3, 1),
        consent_method=ConsentMethod.IN_PERSON,
    )
    assert (member.nickname, member.age_band, member.consent_method) == (
        "小海豚",
        "9-11",
        "in_person",
    )
    assert member.consent_on == date(2025, 3, 1) and member.added_by_id == coord.id
    assert school.active_members == [member]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"nickname": ""}, perrors.NicknameInvalid),
        ({"nickname": "一二三四五六七八九十十一十二"}, perrors.NicknameInvalid),
        ({"nickname": "13812345678"}, perrors.NicknameInvalid),  # never a phone number
        ({"nickname": "kid@mail.example"}, perrors.NicknameInvalid),
        ({"age_band": "adult"}, errors.UnknownAgeBand),
        ({"consent_on": None}, perrors.ConsentMissing),
        ({"consent_on": date.today() + timedelta(days=3)}, perrors.ConsentMissing),
        ({"consent_method": "nodded"}, perrors.ConsentMissing),
    ],
)
def test_member_refusals(coord, tree, fields, error):
    values = {
        "nickname": "小海豚",
        "age_band": "9-11",
        "consent_on": date(2025, 3, 1),
        "consent_method": ConsentMethod.ONLINE,
        **fields,
    }
    with pytest.raises(error):
        councils.add_member(coord, tree[SCHOOL], **values)


def test_nicknames_are_unique_per_council(coord, tree):
    add_members(coord, tree[SCHOOL], "小海豚")
    with pytest.raises(perrors.NicknameTaken):
        add_members(coord, tree[SCHOOL], "小海豚")
    add_members(coord, tree[TOWN], "小海豚")  # another council may have one too


def test_facilitator_manages_only_their_council(coord, tree):
    facilitator = councils.create_facilitator(coord, tree[SCHOOL], "f@school.example", PASSWORD)
    assert facilitator.role == Role.FACILITATOR and facilitator.agency is None
    assert facilitator.council is tree[SCHOOL] and not facilitator.sees_all_agencies
    assert councils.councils_for(facilitator) == [tree[SCHOOL]]
    add_members(facilitator, tree[SCHOOL], "小海豚")
    with pytest.raises(perrors.CouncilNotFound):
        add_members(facilitator, tree[TOWN], "小星星")
    with pytest.raises(perrors.CouncilNotFound):
        councils.get_council(facilitator, tree[TOWN].id)
    with pytest.raises(errors.NotAllowed):
        councils.create_facilitator(facilitator, tree[SCHOOL], "g@school.example", PASSWORD)


def test_an_agency_account_is_not_turned_into_a_facilitator(coord, tree):
    staff.create_staff("a@urban.example", PASSWORD, "urban", "staff")
    with pytest.raises(perrors.AccountExists):
        councils.create_facilitator(coord, tree[SCHOOL], "a@urban.example", PASSWORD)
    with pytest.raises(perrors.FacilitatorInputInvalid):
        councils.create_facilitator(coord, tree[SCHOOL], "f@school.example", "short")


def test_facilitator_sees_no_agency_items(coord, tree):
    facilitator = councils.create_facilitator(coord, tree[SCHOOL], "f@school.example", PASSWORD)
    s = suggestions.create_suggestion(
        text="希望学校图书馆周末开放", kind="idea", channel="web"
    ).suggestion
    assert work_queue.queue(facilitator, work_queue.QueueFilter()).items == []
    with pytest.raises(errors.ItemNotFound):
        casework.get_item(facilitator, s.id)


def test_a_member_who_leaves_keeps_past_votes(coord, tree):
    (a,) = add_members(coord, tree[SCHOOL], "小海豚")
    councils.remove_member(coord, a)
    assert not a.active and a.left_at and tree[SCHOOL].active_members == []


# --- a session from agenda to answer -----------------------------------------------------


def routed(text, agency="urban", area=SCHOOL):
    """A stored, analysed suggestion in `agency`'s queue, whatever the analysis guessed."""
    s = suggestions.create_suggestion(
        text=text, kind="problem", channel="web", area_code=area, public=True
    ).suggestion
    # These tests are about councils, not danger detection or moderation: shared and approved.
    s.urgent, s.has_pii, s.danger, s.visibility = False, False, "none", "approved"
    casework.place_in_queue(s, casework.agency_by_code(agency))
    db.session.commit()  # rate-limit counters write in their own transaction
    return s


def test_agenda_draws_on_the_area_and_below(coord, tree):
    supported = routed("希望学校门口多放几个座椅，等家长的时候可以坐")
    for device in ("device-one-0123456789", "device-two-0123456789"):
        support.add_support(supported.id, device, "tablet")
    primary = routed("操场的篮球架歪了")
    twin = routed("操场上的篮球架是歪的")
    twin.linked_to = primary
    late = routed("学校饮水机的水有怪味")
    late.due_at = utcnow() - timedelta(days=1)
    elsewhere = routed("青石村的路灯不亮", area="xinghe.qingshi.qingshi")
    support.add_support(elsewhere.id, "device-one-0123456789", "tablet")
    db.session.flush()

    school_agenda = council_agenda.build_agenda(tree[SCHOOL])
    assert [i.suggestion for i in school_agenda.supported] == [supported]
    assert school_agenda.supported[0].supports == 2
    assert [i.suggestion for i in school_agenda.clusters] == [primary]
    assert [i.suggestion for i in school_agenda.overdue] == [late]
    county_agenda = council_agenda.build_agenda(tree[COUNTY])  # everything below the county
    assert {i.suggestion.id for i in county_agenda.supported} == {supported.id, elsewhere.id}
    assert elsewhere not in [i.suggestion for i in school_agenda.supported]


def test_urgent_review_and_unapproved_items_never_reach_an_agenda(coord, tree):
    s = routed("希望学校门口多放几个座椅")
    support.add_support(s.id, "device-one-0123456789", "tablet")
    s.urgent = True
    db.session.flush()
    assert council_agenda.build_agenda(tree[SCHOOL]).supported == []
    s.urgent, s.danger = False, "review"
    assert council_agenda.build_agenda(tree[SCHOOL]).supported == []
    s.danger, s.visibility = "none", "pending"  # not approved by a person (again)
    assert council_agenda.build_agenda(tree[SCHOOL]).supported == []


def test_session_from_agenda_to_vote_to_adoption_to_answer_to_members_told(coord, tree):
    school = tree[SCHOOL]
    facilitator = councils.create_facilitator(coord, school, "f@school.example", PASSWORD)
    a, b, c, d = add_members(facilitator, school, "小海豚", "小星星", "小松鼠", "小熊")
    session = council_sessions.create_session(
        facilitator, school, held_on=councils.today(), place="学校会议室"
    )
    assert session.status == SessionStatus.DRAFT and len(session.join_code) == 6

    # The agenda: a member's own proposal, written down before the session.
    own = council_agenda.propose_as_staff(
        facilitator,
        school,
        title="课间多十分钟",
        text="课间只有十分钟，上厕所都来不及，希望延长到十五分钟",
    )
    assert own.status == ProposalStatus.PENDING and council_agenda.build_agenda(
        school
    ).proposed == [own]
    council_agenda.schedule(facilitator, session, own.id)
    assert own.status == ProposalStatus.OPEN and own.session is session

    # In the room: tablets join with the code; voting only once the session is open.
    assert council_sessions.join_session(session.join_code, "tablet-1") is session
    with pytest.raises(perrors.VoteNotOpen):
        council_votes.start_vote(facilitator, own)
    council_sessions.open_voting(facilitator, session)
    council_votes.start_vote(facilitator, own)
    council_votes.cast_vote(session, a.id, own.id, "for")
    council_votes.cast_vote(session, b.id, own.id, "against")
    council_votes.cast_vote(session, b.id, own.id, "for")  # one vote each: changed, not added
    live = council_votes.cast_vote(session, c.id, own.id, "abstain")
    assert (live.agree, live.disagree, live.abstain) == (2, 0, 1)
    assert {row.member_id for row in session.attendance} == {
        a.id,
        b.id,
        c.id,
    }  # who voted was there

    outcome = council_votes.close_vote(facilitator, own)
    assert own.status == ProposalStatus.ADOPTED and outcome.code  # shown once to the facilitator
    item = own.suggestion
    assert item.channel == Channel.COUNCIL and item.council_id == school.id
    assert item.kind == "idea" and item.area.code == SCHOOL and item.status == Status.ROUTED
    assert item.events[0].actor == f"council:{school.id}"
    adopted = item.events[-1]
    assert adopted.action == "council_adopted"
    assert adopted.detail | {"by": None} == {
        "council": school.id,
        "session": session.id,
        "proposal": own.id,
        "tier": "village",
        "by": None,
        "for": 2,
        "against": 0,
        "abstain": 1,
    }
    assert "课间多十分钟" in item.text
    # The council follows it like any child, with the code the facilitator saw once.
    assert suggestions.get_by_code(outcome.code, "tablet-1") is item

    # Routed like any other; here into the education bureau's queue.
    casework.place_in_queue(item, casework.agency_by_code("edu"))
    edu = staff.create_staff("b@edu.example", PASSWORD, "edu", "staff")
    assert item in work_queue.queue(edu, work_queue.QueueFilter()).items
    assert council_notices.member_notices(a) == []

    answer(item, decision="partly", why="课间要和上课时间一起安排", next_steps="下学期试行十五分钟")
    assert all(notices(m) == 1 for m in (a, b, c, d))  # every member, also the one who was away
    council_notices.notify_members_of_answer(
        item
    )  # told once per answer, however often it is called
    assert all(notices(m) == 1 for m in (a, b, c, d))
    (notice,) = council_notices.member_notices(d)
    assert notice.proposal is own and notice.suggestion.answer.next_steps == "下学期试行十五分钟"
    assert (
        council_notices.mark_notices_read(session, d.id) == 1
        and council_notices.member_notices(d) == []
    )

    page = council_pages.public_council(school.id)  # "our proposals and their answers"
    assert page.proposals == [own] and page.tallies[own.id].agree == 2

    council_sessions.close_session(facilitator, session, minutes="通过：课间多十分钟")
    assert session.status == SessionStatus.CLOSED and session.join_code is None
    with pytest.raises(perrors.JoinCodeWrong):
        council_sessions.joined_session(session.id)


def test_a_proposal_about_a_suggestion_backs_that_suggestion(coord, tree):
    school = tree[SCHOOL]
    a, b = add_members(coord, school, "小海豚", "小星星")
    child = routed("希望学校门口多放几个座椅，等家长的时候可以坐")
    session = open_session(coord, school)
    proposal = council_agenda.add_suggestion_to_agenda(
        coord, session, child.id, ProposalSource.SUGGESTION
    )
    assert proposal.title.startswith("希望学校门口多放几个座椅") and proposal.suggestion is child
    with pytest.raises(perrors.ProposalWrongState):  # once on an agenda is enough
        council_agenda.add_suggestion_to_agenda(coord, session, child.id, ProposalSource.SUGGESTION)
    outcome = vote_and_close(coord, session, proposal, [(a, "for"), (b, "for")])
    assert outcome.code is None  # no new suggestion: the child's own one is backed
    assert child.council_id == school.id and child.events[-1].action == "council_adopted"
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 1
    answer(child)
    assert notices(a) == notices(b) == 1


def test_rejected_when_not_more_than_half_agree(coord, tree):
    school = tree[SCHOOL]
    a, b, c = add_members(coord, school, "小海豚", "小星星", "小松鼠")
    session = open_session(coord, school)
    p = council_agenda.propose_as_staff(
        coord, school, title="作业少一点", text="周末作业太多了", session=session
    )
    outcome = vote_and_close(coord, session, p, [(a, "for"), (b, "against"), (c, "abstain")])
    assert p.status == ProposalStatus.REJECTED and outcome.code is None and p.suggestion is None


def test_votes_only_while_open_and_only_by_members(coord, tree):
    school, town = tree[SCHOOL], tree[TOWN]
    (a,) = add_members(coord, school, "小海豚")
    (outsider,) = add_members(coord, town, "小鲸鱼")
    session = open_session(coord, school)
    p = council_agenda.propose_as_staff(
        coord, school, title="多种树", text="操场边上多种几棵树", session=session
    )
    with pytest.raises(perrors.VoteNotOpen):  # not yet put to the vote
        council_votes.cast_vote(session, a.id, p.id, "for")
    council_votes.start_vote(coord, p)
    with pytest.raises(perrors.MemberNotFound):
        council_votes.cast_vote(session, outsider.id, p.id, "for")
    with pytest.raises(perrors.UnknownChoice):
        council_votes.cast_vote(session, a.id, p.id, "maybe")
    with pytest.raises(perrors.NoVotes):
        council_votes.close_vote(coord, p)
    with pytest.raises(perrors.VoteStillOpen):
        council_sessions.close_session(coord, session)
    councils.remove_member(coord, a)
    with pytest.raises(perrors.MemberNotFound):
        council_votes.cast_vote(session, a.id, p.id, "for")


def test_proposals_not_voted_on_wait_for_the_next_session(coord, tree):
    school = tree[SCHOOL]
    session = open_session(coord, school)
    p = council_agenda.propose_as_staff(
        coord, school, title="多种树", text="操场边上多种几棵树", session=session
    )
    council_sessions.close_session(coord, session)
    assert p.status == ProposalStatus.PENDING and p.session is None
    assert council_agenda.build_agenda(school).proposed == [p]


def test_members_propose_from_a_tablet_without_personal_data(coord, tree):
    school = tree[SCHOOL]
    (a,) = add_members(coord, school, "小海豚")
    session = open_session(coord, school)
    p = council_agenda.propose_as_member(
        session, a.id, title="图书角", text="教室里想要一个图书角，我的电话是13812345678"
    )
    assert p.proposer is a and p.status == ProposalStatus.OPEN and p.session is session
    assert "13812345678" not in p.text
    with pytest.raises(perrors.ProposalInvalid):
        council_agenda.propose_as_member(session, a.id, title="", text="没有标题")


def test_join_code_guessing_is_limited(coord, tree):
    session = open_session(coord, tree[SCHOOL])
    db.session.commit()  # failed tries are counted in a transaction of their own
    wrong = "000000" if session.join_code != "000000" else "111111"
    for _ in range(council_sessions.JOIN_FAILURES_ALLOWED):
        with pytest.raises(perrors.JoinCodeWrong):
            council_sessions.join_session(wrong, "guesser")
    with pytest.raises(errors.TooManyTries):
        council_sessions.join_session(session.join_code, "guesser")
    assert (
        council_sessions.join_session(session.join_code.replace("", " "), "another tablet")
        is session
    )


def test_attendance_is_recorded_by_the_facilitator(coord, tree):
    school = tree[SCHOOL]
    a, b = add_members(coord, school, "小海豚", "小星星")
    session = council_sessions.create_session(
        coord, school, held_on=councils.today(), place="会议室"
    )
    assert council_sessions.set_attendance(coord, session, [a.id, b.id, 999]) == {a.id, b.id}
    assert council_sessions.set_attendance(coord, session, [b.id]) == {b.id}
    assert [row.member_id for row in session.attendance] == [b.id]
    council_sessions.save_minutes(coord, session, "小星星主持")
    assert session.minutes == "小星星主持"


# --- escalation ------------------------------------------------------------------------


def test_escalation_to_the_parent_council_which_sees_it_on_its_next_agenda(coord, tree):
    school, town = tree[SCHOOL], tree[TOWN]
    kids = add_members(coord, school, "小海豚", "小星星")
    town_kids = add_members(coord, town, "小鲸鱼", "小企鹅", "小鹦鹉")
    session = open_session(coord, school)
    p = council_agenda.propose_as_staff(
        coord,
        school,
        title="校门口要有斑马线",
        text="学校门口的马路没有斑马线，过马路很害怕",
        session=session,
    )
    vote_and_close(coord, session, p, [(kids[0], "for"), (kids[1], "for")])
    item = p.suggestion

    up = council_votes.escalate(coord, p)
    assert (up.council, up.source, up.status) == (
        town,
        ProposalSource.ESCALATED,
        ProposalStatus.PENDING,
    )
    assert up.escalated_from is p and up.suggestion is item
    assert item.events[-1].action == "council_escalated"
    assert item.events[-1].detail["to_council"] == town.id
    assert council_agenda.build_agenda(town).escalated == [up]
    with pytest.raises(perrors.AlreadyEscalated):
        council_votes.escalate(coord, p)

    town_session = open_session(coord, town)
    council_agenda.schedule(coord, town_session, up.id)
    outcome = vote_and_close(
        coord,
        town_session,
        up,
        [(town_kids[0], "for"), (town_kids[1], "for"), (town_kids[2], "against")],
    )
    assert up.status == ProposalStatus.ADOPTED and outcome.code is None  # backs the same item
    assert [e.detail["council"] for e in item.events if e.action == "council_adopted"] == [
        school.id,
        town.id,
    ]
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 1

    answer(item)
    assert all(notices(m) == 1 for m in kids + town_kids)  # both councils are told
    up_again = council_votes.escalate(coord, up)  # and on to the county
    assert up_again.council is tree[COUNTY]
    county_session = open_session(coord, tree[COUNTY])
    council_agenda.schedule(coord, county_session, up_again.id)


def test_the_county_council_has_no_council_above(coord, tree):
    county = tree[COUNTY]
    (a,) = add_members(coord, county, "小海豚")
    session = open_session(coord, county)
    p = council_agenda.propose_as_staff(
        coord, county, title="多建公园", text="县城里多建几个口袋公园", session=session
    )
    vote_and_close(coord, session, p, [(a, "for")])
    with pytest.raises(perrors.NoParentCouncil):
        council_votes.escalate(coord, p)


def test_only_adopted_proposals_are_escalated(coord, tree):
    school = tree[SCHOOL]
    p = council_agenda.propose_as_staff(coord, school, title="多种树", text="操场边上多种几棵树")
    with pytest.raises(perrors.ProposalWrongState):
        council_votes.escalate(coord, p)


def test_a_council_proposal_ranks_before_the_rest_never_before_urgent(coord, tree):
    from webapp.services import priority

    school = tree[SCHOOL]
    (a,) = add_members(coord, school, "小海豚")
    session = open_session(coord, school)
    p = council_agenda.propose_as_staff(
        coord, school, title="多种树", text="操场边上多种几棵树", session=session
    )
    vote_and_close(coord, session, p, [(a, "for")])
    plain = routed("希望学校门口多放几个座椅")
    assert priority.queue_rank(p.suggestion) == priority.COLLECTIVE
    assert priority.queue_rank(plain) == priority.REST
    plain.urgent = True
    assert priority.queue_rank(plain) == priority.URGENT
    assert p.suggestion.queue_rank <= 1


def test_public_council_page_lists_only_adopted_proposals(coord, tree, app):
    school = tree[SCHOOL]
    (a,) = add_members(coord, school, "小海豚")
    session = open_session(coord, school)
    yes = council_agenda.propose_as_staff(
        coord, school, title="多种树", text="操场边上多种几棵树", session=session
    )
    no = council_agenda.propose_as_staff(
        coord, school, title="不要考试", text="取消所有考试", session=session
    )
    vote_and_close(coord, session, yes, [(a, "for")])
    vote_and_close(coord, session, no, [(a, "against")])
    view = council_pages.public_council(school.id)
    assert view.proposals == [yes]
    with pytest.raises(perrors.CouncilNotFound):
        council_pages.public_council(99999)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 2
    assert db.session.scalar(select(func.count()).select_from(Council)) == 3
    assert (
        db.session.scalar(
            select(func.count()).select_from(Event).where(Event.action == "council_adopted")
        )
        == 1
    )
