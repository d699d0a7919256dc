"""What the llamacpp backend's KV cache holds, as a radix tree of token spans.

Each node is one group of KV-cache cells: a run of tokens at consecutive
positions that the same set of sequences (`holders`) attend to. A sequence is a
path from the root, so sequences that share a prefix share its cells (llama.cpp's
unified cache stores a cell once, with the ids of every sequence that holds it:
`llama_memory_seq_cp` only adds an id). The tree mirrors the cache exactly: the
cells in use are the sum of the nodes' lengths, and a prompt's longest cached
prefix is a walk from the root.

A node created while planning a prefill is `fresh` until the decoder has
evaluated it: later prompts of the same prefill may share it (their tokens then
carry several sequence ids in one batch) but cannot copy its cells from the
cache. Pure bookkeeping, no llama.cpp calls: the decoder
(agent/models/llamacpp_decode.py) makes the matching calls.

Two sequences may hold separate cells for the same tokens (two samples that
generated the same text); a node's children are a list, and a walk follows the
child sharing the most tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Node:
    start: int
    """Position of the first token."""
    tokens: list[int]
    parent: Node | None
    holders: set[int] = field(default_factory=set)
    children: list[Node] = field(default_factory=list)
    fresh: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.tokens)


@dataclass
class Placed:
    """Where `PrefixTree.add` put a sequence."""

    node: Node
    """The node its tokens end in (at that node's end)."""
    cached: int
    """Leading tokens it did not bring: already in the cache or fresh from an earlier prompt."""
    copy_from: int | None
    """A sequence holding the first `copy_len` tokens in the cache (llama_memory_seq_cp from it)."""
    copy_len: int
    copy_node: Node | None
    """The cached node ending at copy_len (its holders all hold those cells)."""


def common_prefix(a: list[int], b: list[int], start: int = 0) -> int:
    """Length of the common prefix of a and b[start:]."""
    n = max(0, min(len(a), len(b) - start))
    if a[:n] == b[start:start + n]:
        return n
    lo, hi = 0, n  # a[:lo] matches, a[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[start:start + mid]:
            lo = mid
        else:
            hi = mid
    return lo


class PrefixTree:
    def __init__(self) -> None:
        self.root = Node(0, [], None)
        self.leaf: dict[int, Node] = {}
        """Each sequence's last node."""
        self.cells = 0

    # ------------------------------------------------------------------ reading

    def match(self, tokens: list[int], *, reuse_cache: bool = True) -> tuple[Node, int, int]:
        """The longest prefix of `tokens` in the tree: (node, depth, depth in evaluated nodes).
        The depth may end inside the node. Evaluated (not fresh) nodes count only up to
        len(tokens) - 1, since the last prompt token must be evaluated for its logits; with
        reuse_cache False they do not count at all (only fresh nodes are shared)."""
        node, depth, cached = self.root, 0, 0
        while depth < len(tokens):
            best, best_n = None, 0
            for child in node.children:
                if not child.fresh and (not reuse_cache or cached < depth):
                    continue  # evaluated nodes only as a prefix, never below a fresh one
                cap = len(tokens) - (0 if child.fresh else 1)
                n = common_prefix(child.tokens, tokens[:cap], depth)
                if n > best_n:
                    best, best_n = child, n
            if best is None:
                break
            node, depth = best, depth + best_n
            if not best.fresh:
                cached = depth
            if depth < best.end:
                break
        return node, depth, cached

    def tokens(self, seq: int) -> list[int]:
        out: list[list[int]] = []
        node = self.leaf.get(seq)
        while node is not None:
            out.append(node.tokens)
            node = node.parent
        return [t for span in reversed(out) for t in span]

    def length(self, seq: int) -> int:
        return self.leaf[seq].end

    def covered(self, seq: int) -> bool:
        """Every cell of `seq` is held by another sequence as well (dropping it frees nothing)."""
        return len(self.leaf[seq].holders) > 1

    def fresh_nodes(self) -> list[Node]:
        """Fresh nodes, parents before children (the order to evaluate them in)."""
        out, stack = [], [self.root]
        while stack:
            node = stack.pop()
            if node.fresh:
                out.append(node)
            stack.extend(reversed(node.children))
        return out

    # ---------------------------------------------------------------- changing

    def add(self, seq: int, tokens: list[int], *, reuse_cache: bool = True) -> Placed:
        """Place a new sequence holding `tokens`: shares the longest prefix in the tree, the rest
        becomes a fresh node."""
        assert seq not in self.leaf and tokens
        node, depth, cached = self.match(tokens, reuse_cache=reuse_cache)
        if depth < node.end:
            node = self._split(node, depth - node.start)
        copy_from = at = None
        if cached:
            at = node
            while at.end > cached:
                at = at.parent
            copy_from = min(at.holders)
        if depth < len(tokens):
            child = Node(depth, list(tokens[depth:]), node, fresh=True)
            node.children.append(child)
            self.cells += len(child.tokens)
            node = child
        self._hold(seq, node)
        return Placed(node, depth, copy_from, cached, at)

    def extend(self, seq: int, token: int) -> None:
        """`seq` gained one evaluated token."""
        node = self.leaf[seq]
        if node.holders == {seq} and not node.children and node is not self.root:
            node.tokens.append(token)
        else:
            child = Node(node.end, [token], node, {seq})
            node.children.append(child)
            self.leaf[seq] = child
        self.cells += 1

    def remove(self, seq: int) -> int:
        """Drop a sequence; returns the cells freed (those no other sequence holds)."""
        node, freed = self.leaf.pop(seq), 0
        while node is not None and node is not self.root:
            node.holders.discard(seq)
            parent = node.parent
            if not node.holders:
                parent.children.remove(node)
                freed += len(node.tokens)
            node = parent
        self.cells -= freed
        return freed

    def settle(self) -> None:
        """The fresh nodes were evaluated."""
        for node in self.fresh_nodes():
            node.fresh = False

    def clear(self) -> None:
        self.__init__()

    def _hold(self, seq: int, node: Node) -> None:
        self.leaf[seq] = node
        while node is not self.root:
            node.holders.add(seq)
            node = node.parent

    def _split(self, node: Node, at: int) -> Node:
        """Cut `node` after `at` tokens; returns the new upper part. The node keeps its identity
        as the lower part (sequences ending in it still end there)."""
        upper = Node(node.start, node.tokens[:at], node.parent, set(node.holders), [node], node.fresh)
        parent = node.parent
        parent.children[parent.children.index(node)] = upper
        node.start, node.tokens, node.parent = node.start + at, node.tokens[at:], upper
        return upper
