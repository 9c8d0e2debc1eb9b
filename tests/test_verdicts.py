"""The book's one rule set (intriguing.verdicts): each rule decides as its text says."""

import numpy as np
import pytest

from intriguing import results, verdicts
from intriguing.paper import CLAIMS


@pytest.mark.parametrize("ours, paper, expected", [
    (1.64, 1.64, "reproduced"), (2.14, 1.64, "reproduced"), (2.15, 1.64, "partly"),
    (2.64, 1.64, "partly"), (2.65, 1.64, "not reproduced"),
    (16.0, 20.0, "reproduced"), (15.36, 20.0, "partly"), (11.9, 20.0, "not reproduced"),
])
def test_clean_error_is_absolute_or_relative_whichever_is_larger(ours, paper, expected):
    assert verdicts.judge("clean error", ours, paper).verdict == expected


def test_fooling_rate_needs_both_tolerances():
    # 10.8 vs 6.8 is 59% above the paper: not within 2 points (the absolute part dominates here)
    assert verdicts.judge("fooling rate", 10.8, 6.8).verdict == "partly"  # at 2x the tolerance, inclusive
    assert verdicts.judge("fooling rate", 8.8, 6.8).verdict == "reproduced"
    assert verdicts.judge("fooling rate", 90.0, 100.0).verdict == "reproduced"  # 20% of 100 = 20 points
    assert verdicts.judge("fooling rate", 50.0, 100.0).verdict == "not reproduced"


def test_distortion_rule_is_relative_and_says_how_far():
    j = verdicts.judge("distortion", 0.107, 0.14)
    assert j.verdict == "partly" and "outside" in j.distance and j.rule == "distortion"
    j = verdicts.judge("distortion", 0.0590, 0.062)
    assert j.verdict == "reproduced" and "inside" in j.distance


def test_a_wide_interval_makes_it_inconclusive():
    assert verdicts.judge("distortion", 0.1, 0.1, interval=(0.05, 0.15)).verdict == "inconclusive"
    assert verdicts.judge("distortion", 0.1, 0.1, interval=(0.095, 0.105)).verdict == "reproduced"
    with pytest.raises(ValueError, match="does not contain"):
        verdicts.judge("distortion", 0.1, 0.1, interval=(0.2, 0.3))


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="no tolerance rule"):
        verdicts.judge("speed", 1, 1)
    with pytest.raises(TypeError, match="must be a number"):
        verdicts.judge("distortion", "0.1", None)
    with pytest.raises(ValueError, match="must be finite"):
        verdicts.judge("distortion", float("nan"), 0.1)
    with pytest.raises(ValueError, match="verdict must be one of"):
        verdicts.Judgement("beyond the paper", "criterion", "")


def test_a_table_is_judged_by_its_pattern_not_its_mean():
    paper = np.array([2.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    # same mean, scrambled cells: a signed mean would call this reproduced
    scrambled = paper[[5, 4, 3, 2, 1, 0]]
    assert scrambled.mean() == paper.mean()
    assert verdicts.judge_table(scrambled, paper, "fooling rate").verdict == "not reproduced"
    close = paper + np.array([1, -1, 1, -1, 1, -1])
    j = verdicts.judge_table(close, paper, "fooling rate")
    assert j.verdict == "reproduced" and "6 of 6 cells" in j.distance
    far = paper * 1.6  # same ranks, every cell outside the tolerance
    assert verdicts.judge_table(far, paper, "fooling rate").verdict == "partly"


def test_mcnemar_counts_only_discordant_images():
    a = np.zeros(1000, bool)
    b = np.zeros(1000, bool)
    a[:10] = b[:10] = True  # both wrong: no information
    b[10:40] = True  # only B wrong on 30 images
    t = verdicts.mcnemar(a, b)
    assert (t.only_a, t.only_b, t.a_errors, t.b_errors) == (0, 30, 10, 40)
    assert t.p < 1e-6 and t.difference == pytest.approx(-3.0)
    j = verdicts.judge_better(t, t.p)
    assert j.verdict == "reproduced"
    assert verdicts.judge_better(verdicts.mcnemar(b, a), t.p).verdict == "not reproduced"
    tie = verdicts.mcnemar(a, a)
    assert tie.p == 1.0
    assert verdicts.judge_better(tie, 1.0).verdict == "inconclusive"
    # a test that could have seen the paper's effect and did not decides against the claim
    assert verdicts.judge_better(tie, 1.0, claimed_effect=0.4).verdict == "not reproduced"


def test_holm_matches_the_textbook_procedure():
    adjusted = verdicts.holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})


def test_non_significance_is_not_equivalence():
    assert verdicts.judge_equivalent(0.01, (-0.02, 0.04), margin=0.05).verdict == "reproduced"
    assert verdicts.judge_equivalent(0.01, (-0.08, 0.10), margin=0.05).verdict == "inconclusive"
    assert verdicts.judge_equivalent(0.06, (0.03, 0.09), margin=0.05, bound=0.1).verdict == "partly"
    assert verdicts.judge_equivalent(0.2, (0.15, 0.25), margin=0.05, bound=0.1).verdict == "not reproduced"


def test_rows_carry_role_rule_distance_and_scale():
    j = verdicts.judge("distortion", 0.059, 0.062)
    r = results.row("Table 1, distortions", "FC10(1e-4)", "0.062", "0.059", j, "w", role="fitted",
                    scale=verdicts.scale(images=5000, of="training", models=1))
    assert (r["verdict"], r["role"], r["rule"]) == ("reproduced", "fitted", "distortion")
    assert r["scale"] == "5,000 training images, 1 model, 1 training seed"
    with pytest.raises(ValueError, match="CLAIMS"):
        results.row("Table 9", "q", "1", "1", j, "w", scale="x")
    with pytest.raises(ValueError, match="scale"):
        results.row("Table 1, distortions", "q", "1", "1", j, "w")
    with pytest.raises(ValueError, match="no verdict"):
        results.row("Beyond", "q", "—", "1", j, "w", role="measurement")
    m = results.row("Beyond the paper: anything", "q", "—", "1", None, "w", role="measurement")
    assert m["verdict"] == "—"


def test_every_claim_is_tested_somewhere_or_says_what_it_needs():
    for name, claim in CLAIMS.items():
        assert claim["text"], name
        assert ("tested_in" in claim) != ("not_tested" in claim), name
        if "not_tested" in claim:
            verdicts.not_tested(*claim["not_tested"])  # both parts present
        else:
            assert claim["tested_in"] in results.RECORDED, name


def test_the_rules_table_lists_every_rule():
    table = verdicts.rules_table()
    assert set(table.index) == set(verdicts.RULES) | set(verdicts.TESTS)


def test_a_flat_table_is_judged_by_its_cells_alone():
    paper = [2.2, 2.6, 2.4, 2.6, 2.8, 2.7]  # spans 0.6 points, inside the 2-point tolerance
    ours = [2.9, 2.5, 3.0, 3.1, 3.3, 3.0]  # every cell close, ranks scrambled
    j = verdicts.judge_table(ours, paper, "fooling rate")
    assert j.verdict == "reproduced" and "ranks are not used" in j.distance


def test_findings_words_for_a_claim_with_only_fitted_rows():
    rows = [{"verdict": "reproduced", "role": "fitted"}] * 2
    assert results._verdict_words(rows) == "2 fitted (shown, not counted)"


def test_a_table_of_two_cells_has_no_pattern():
    assert verdicts.judge_table([1.0, 2.0], [1.0, 2.0], "fooling rate").verdict == "inconclusive"
