"""compare's report and plot: the winner rule on crafted curve points, the rendered tables, the PNG."""

from __future__ import annotations

from evals.compare.plot import plot_curves
from evals.compare.report import CurvePoint, pick_winner, render_report


def cp(strategy, acc, lo, hi, budget=4, bucket="all", gen=100.0):
    return CurvePoint(strategy, budget, bucket, 30, acc, lo, hi, gen, gen * 1.5)


def test_winner_separated_cis():
    v = pick_winner([cp("parallel", 0.8, 0.7, 0.9), cp("sequential", 0.4, 0.3, 0.5), cp("pass@k", 0.95, 0.9, 1)])
    assert v.winner == "parallel" and v.overlapping == []
    assert "separated" in v.text


def test_winner_overlapping_cis_carry_the_caveat():
    v = pick_winner([cp("parallel", 0.6, 0.45, 0.75), cp("sequential", 0.55, 0.4, 0.7),
                     cp("hybrid", 0.2, 0.1, 0.3)])
    assert v.winner == "parallel" and v.overlapping == ["sequential"]
    assert "not a clear win" in v.text and "sequential" in v.text


def test_winner_tie():
    v = pick_winner([cp("parallel", 0.5, 0.4, 0.6), cp("adaptive", 0.5, 0.4, 0.6)])
    assert v.winner == "parallel = adaptive" and "not a clear win" in v.text


def test_report_and_plot(tmp_path):
    curve = [cp(s, a, a - 0.1, a + 0.1, budget=b, gen=50.0 * b) for b in (1, 2, 4)
             for s, a in (("parallel", 0.3 + 0.1 * b), ("sequential", 0.3), ("pass@k", 0.9))]
    curve += [cp("parallel", 0.9, 0.8, 1.0, budget=4, bucket="easy")]
    text = render_report(curve, {"task": "gsm8k", "questions": 30})
    assert "## Budget 4" in text and "| parallel | 70.0% | [60.0%, 80.0%] | 200 | 300 |" in text
    assert "| 4 | easy | 30 | parallel" in text
    png = plot_curves(curve, tmp_path / "curves.png", title="t")
    assert png.stat().st_size > 5000 and png.read_bytes()[:4] == b"\x89PNG"


def test_a_difference_of_rounding_noise_is_not_one_the_data_tell():
    rows = [{"strategy": "adaptive", "budget": 2, "questions": 100, "difference": -4e-17, "ci_low": -5e-17,
             "ci_high": -3e-17},
            {"strategy": "adaptive", "budget": 8, "questions": 100, "difference": -7e-4, "ci_low": -1.4e-3,
             "ci_high": -1.8e-4}]
    text = render_report([cp("parallel", 0.5, 0.4, 0.6)], {}, {"versus_parallel": rows})
    assert "| adaptive | 2 | 100 | -0.0% | [-0.0%, -0.0%] | no |" in text
    assert "| adaptive | 8 | 100 | -0.1% | [-0.1%, -0.0%] | yes |" in text
