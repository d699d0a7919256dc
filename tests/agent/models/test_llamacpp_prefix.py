"""The llamacpp backend's mirror of its KV cache (agent/models/llamacpp_prefix.py): pure
bookkeeping, no model."""

from __future__ import annotations

import pytest

from agent.models.llamacpp_prefix import PrefixTree, common_prefix


@pytest.mark.parametrize(("a", "b", "start", "expected"), [
    ([1, 2, 3], [1, 2, 3], 0, 3),
    ([1, 2, 3], [1, 2, 4], 0, 2),
    ([1, 2, 3], [9, 1, 2], 1, 2),
    ([1, 2, 3], [1], 0, 1),
    ([], [1, 2], 0, 0),
    ([5], [1, 2], 2, 0),
    ([5], [1, 2], 3, 0),
    (list(range(1000)), list(range(999)) + [7], 0, 999),
])
def test_common_prefix(a, b, start, expected):
    assert common_prefix(a, b, start) == expected


def evaluated(*seqs: list[int]) -> PrefixTree:
    """A tree holding `seqs` (ids 0, 1, ...), all evaluated."""
    tree = PrefixTree()
    for sid, tokens in enumerate(seqs):
        tree.add(sid, tokens)
        tree.settle()
    return tree


@pytest.mark.parametrize(("held", "prompt", "depth", "cached"), [
    ([], [1, 2, 3], 0, 0),
    ([[1, 2, 3, 4]], [1, 2, 3, 4, 5], 4, 4),
    ([[1, 2, 3, 4]], [1, 2, 3, 4], 3, 3),  # the last prompt token is evaluated again, for its logits
    ([[1, 2, 3, 4]], [1, 2, 9], 2, 2),
    ([[1, 2, 3, 4]], [7, 2, 3], 0, 0),
    ([[1, 2, 3, 4], [1, 2, 8, 8, 8]], [1, 2, 8, 8, 9], 4, 4),
    ([[1, 2, 3, 4], [1, 2, 8, 8, 8]], [1, 2, 3, 4, 5, 6], 4, 4),
    ([[1, 2], [1, 2, 3, 4]], [1, 2, 3], 2, 2),
])
def test_match_finds_the_longest_evaluated_prefix(held, prompt, depth, cached):
    node, d, c = evaluated(*held).match(prompt)
    assert (d, c) == (depth, cached)
    assert node.start <= d <= node.end


def test_add_shares_the_cached_prefix_and_says_where_to_copy_it_from():
    tree = evaluated([1, 2, 3, 4])
    placed = tree.add(1, [1, 2, 9, 9])
    assert (placed.cached, placed.copy_from, placed.copy_len) == (2, 0, 2)
    assert tree.cells == 6  # [1, 2] once, [3, 4] and [9, 9]
    assert tree.tokens(0) == [1, 2, 3, 4] and tree.tokens(1) == [1, 2, 9, 9]
    assert [n.tokens for n in tree.fresh_nodes()] == [[9, 9]]
    assert placed.node.holders == {1} and placed.copy_node.holders == {0, 1}


def test_prompts_of_one_prefill_share_fresh_tokens_and_are_evaluated_parents_first():
    tree = PrefixTree()
    a = tree.add(0, [5, 6, 7, 8])
    b = tree.add(1, [5, 6, 7, 9])
    c = tree.add(2, [5, 6, 7, 8])  # the same prompt: the same last token, the same logits
    d = tree.add(3, [5, 6])  # a prefix of the others: it ends inside their node
    assert [p.cached for p in (a, b, c, d)] == [0, 3, 4, 2]
    assert all(p.copy_from is None for p in (a, b, c, d))  # nothing is in the cache yet
    assert tree.cells == 5
    assert c.node is a.node
    assert [(n.tokens, n.holders) for n in tree.fresh_nodes()] == [
        ([5, 6], {0, 1, 2, 3}), ([7], {0, 1, 2}), ([8], {0, 2}), ([9], {1})]
    assert d.node.end == 2 and a.node.tokens == [8]  # the split kept a's node as the lower part
    tree.settle()
    assert tree.fresh_nodes() == []


def test_the_last_token_of_a_fully_cached_prompt_is_evaluated_again():
    tree = evaluated([1, 2, 3])
    placed = tree.add(1, [1, 2, 3])
    assert (placed.cached, placed.copy_len) == (2, 2)
    assert [n.tokens for n in tree.fresh_nodes()] == [[3]]
    assert tree.cells == 4


def test_without_reusing_the_cache_only_fresh_tokens_are_shared():
    tree = evaluated([1, 2, 3, 4])
    a = tree.add(1, [1, 2, 3, 5], reuse_cache=False)
    b = tree.add(2, [1, 2, 3, 6], reuse_cache=False)
    assert (a.cached, a.copy_from, b.cached, b.copy_from) == (0, None, 3, None)
    assert tree.cells == 4 + 5


def test_extend_grows_a_sequence_in_place_or_branches_off_shared_cells():
    tree = evaluated([1, 2, 3])
    tree.add(1, [1, 2, 3, 4])
    tree.settle()
    tree.extend(1, 5)
    tree.extend(1, 6)
    assert tree.tokens(1) == [1, 2, 3, 4, 5, 6] and tree.cells == 6
    tree.extend(0, 9)  # 0's last node has a child (1's tokens): 0 branches off
    assert tree.tokens(0) == [1, 2, 3, 9] and tree.cells == 7
    assert tree.length(0) == 4 and tree.length(1) == 6


def test_remove_frees_only_the_cells_no_one_else_holds():
    tree = evaluated([1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [1, 2, 7])
    assert tree.cells == 7
    assert tree.covered(0) and not tree.covered(1) and not tree.covered(2)
    assert tree.remove(0) == 0
    assert tree.remove(1) == 4
    assert tree.cells == 3 and tree.tokens(2) == [1, 2, 7]
    assert tree.remove(2) == 3
    assert tree.cells == 0 and tree.root.children == []
