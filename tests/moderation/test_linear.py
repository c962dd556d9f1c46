"""The linear partner of the agency Bayes: learns, round-trips, and is reproducible."""

import json

from moderation.linear import AveragedPassiveAggressive

# Two agencies share 学校; only the second word tells them apart.
DATA = [
    (["学校", "作业"], "edu"), (["学校", "考试"], "edu"), (["老师", "作业"], "edu"),
    (["学校", "红绿灯"], "police"), (["学校", "超速"], "police"), (["路口", "红绿灯"], "police"),
]


def test_it_learns_the_deciding_features_not_the_shared_one():
    model = AveragedPassiveAggressive(c=0.3, epochs=10).fit(DATA)
    for features, label in [(["学校", "作业"], "edu"), (["学校", "红绿灯"], "police")]:
        scores = model.scores(features)
        assert max(scores, key=scores.get) == label
    shared = model.scores(["学校"])
    assert abs(shared["edu"] - shared["police"]) < abs(
        model.scores(["作业"])["edu"] - model.scores(["作业"])["police"]
    )


def test_unknown_features_score_zero_for_every_class():
    model = AveragedPassiveAggressive().fit(DATA)
    assert model.scores(["从没见过"]) == {"edu": 0.0, "police": 0.0}
    assert model.scores([]) == {"edu": 0.0, "police": 0.0}


def test_it_survives_plain_json_and_scores_the_same():
    model = AveragedPassiveAggressive().fit(DATA)
    again = AveragedPassiveAggressive.from_data(json.loads(json.dumps(model.to_data())))
    for features, _ in DATA:
        assert again.scores(features) == model.scores(features)


def test_the_same_data_and_seed_give_the_same_weights():
    one = AveragedPassiveAggressive(seed=3).fit(DATA).to_data()
    two = AveragedPassiveAggressive(seed=3).fit(DATA).to_data()
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_a_single_class_trains_without_error():
    model = AveragedPassiveAggressive().fit([(["学校"], "edu")])
    assert model.scores(["学校"]) == {"edu": 0.0}
