"""agent/config.py: the sampling settings of a config become a request's SamplingParams in one place."""

from agent.config import PlaygroundConfig, SamplingConfig
from agent.types import SamplingParams


def test_sampling_config_gives_its_settings_and_overrides_win():
    s = SamplingConfig(temperature=0.7, top_p=0.9, max_tokens=300)
    assert s.params() == SamplingParams(temperature=0.7, top_p=0.9, max_tokens=300)
    p = s.params(max_tokens=50, seed=3, n=4)
    assert (p.temperature, p.top_p, p.max_tokens, p.seed, p.n) == (0.7, 0.9, 50, 3, 4)


def test_the_default_config_samples_greedily_with_1024_tokens():
    p = PlaygroundConfig().sampling.params()
    assert (p.temperature, p.top_p, p.max_tokens, p.seed) == (0.0, 1.0, 1024, None)
