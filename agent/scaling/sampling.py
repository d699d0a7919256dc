"""How a test-time strategy samples: it draws several answers, and at temperature 0 they
would all be one greedy answer, so temperature 0 becomes SAMPLING_TEMPERATURE. The one
home of that rule: the strategies, `playground ask`, `chat`, `eval` and `compare` apply it."""

from __future__ import annotations

from dataclasses import replace

from agent.types import SamplingParams

SAMPLING_TEMPERATURE = 0.7


def strategy_temperature(temperature: float) -> float:
    """The temperature a strategy samples at, asked for `temperature`."""
    return SAMPLING_TEMPERATURE if temperature == 0 else temperature


def strategy_params(params: SamplingParams) -> SamplingParams:
    """`params` with the temperature a strategy samples at."""
    temperature = strategy_temperature(params.temperature)
    return params if temperature == params.temperature else replace(params, temperature=temperature)
