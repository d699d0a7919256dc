"""The sampling rule of strategies, in one place, applied wherever a strategy samples."""

from __future__ import annotations

from agent.models.scripted import ScriptedModel
from agent.scaling import SAMPLING_TEMPERATURE, run_strategy, solve_with_strategy, strategy_params
from agent.types import Sample, SamplingParams


def test_temperature_0_becomes_the_sampling_temperature_and_others_stay():
    assert strategy_params(SamplingParams()).temperature == SAMPLING_TEMPERATURE == 0.7
    assert strategy_params(SamplingParams(temperature=0.3)).temperature == 0.3


def test_strategies_sample_even_when_asked_for_greedy():
    model = ScriptedModel(rule=lambda req, i: "The answer is 2.")
    run_strategy(model, [Sample("q", "1+1?", "2")], "parallel", 4, params=SamplingParams(max_tokens=20))
    solve_with_strategy(model, "1+1?", "sequential", 2)
    assert {r.params.temperature for r in model.calls} == {0.7}
