"""Budget arithmetic: the chain shapes of every strategy, one table."""

from __future__ import annotations

import pytest

from agent.scaling.strategies import chain_shape


@pytest.mark.parametrize(("strategy", "budget", "k", "shape"), [
    ("parallel", 4, 2, [1, 1, 1, 1]),
    ("adaptive", 3, 2, [1, 1, 1]),
    ("sequential", 4, 2, [4]),
    ("sequential", 1, 2, [1]),
    ("hybrid", 8, 2, [2, 2, 2, 2]),
    ("hybrid", 5, 2, [3, 2]),
    ("hybrid", 7, 3, [4, 3]),
    ("hybrid", 1, 2, [1]),
    ("hybrid", 2, 3, [2]),
    ("hybrid", 6, 1, [1] * 6),
    ("mixed", 5, 2, [1] * 5),
    ("cascade", 4, 2, [1] * 4),
    ("revise-exec", 3, 2, [3]),
])
def test_chain_shape(strategy, budget, k, shape):
    assert chain_shape(strategy, budget, k) == shape
    assert sum(shape) == budget


@pytest.mark.parametrize(("strategy", "budget", "k"), [("parallel", 0, 2), ("hybrid", 4, 0), ("beam", 4, 2)])
def test_chain_shape_rejects_what_has_no_shape(strategy, budget, k):
    with pytest.raises(ValueError):
        chain_shape(strategy, budget, k)
