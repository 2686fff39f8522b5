"""Grouping requests by shared context and sharding them across workers (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from densing.evaluate._grouping import group_by_context, merge_shards, shard_requests
from densing.evaluate.protocol import Request
from densing.exceptions import InputError


def _requests(seed: int = 0) -> list[Request]:
    """Three tasks of documents with 2-5 choices and varied context lengths."""
    rng = np.random.default_rng(seed)
    out = []
    for task, n_docs in (("arc", 17), ("hella", 11), ("boolq", 23)):
        shots = f"[{task} shots] " * 20
        for d in range(n_docs):
            ctx = shots + f"Q{d} " + "x" * int(rng.integers(5, 400))
            for i in range(int(rng.integers(2, 6))):
                out.append(Request(d, i, ctx, " " + "a" * int(rng.integers(1, 30)), 0))
    return out


def test_group_by_context_keeps_each_documents_choices_together() -> None:
    reqs = _requests()
    groups = group_by_context(reqs)
    assert sum(len(g) for g in groups) == len(reqs)
    for g in groups:
        assert len({reqs[i].context for i in g}) == 1
        assert g == list(range(g[0], g[0] + len(g)))
    assert len(groups) == len({r.context for r in reqs}) == 17 + 11 + 23


@pytest.mark.parametrize("n_shards", [1, 2, 3, 4, 7, 60])
def test_shards_are_whole_contiguous_documents_balanced_by_cost(n_shards: int) -> None:
    reqs = _requests(n_shards)
    shards = shard_requests(reqs, n_shards)
    assert len(shards) == n_shards
    flat = [i for s in shards for i in s]
    assert flat == list(range(len(reqs)))  # every request once, order kept: contiguous runs
    contexts_per_shard = [{reqs[i].context for i in s} for s in shards]
    for a in range(n_shards):
        for b in range(a + 1, n_shards):
            assert not contexts_per_shard[a] & contexts_per_shard[b]  # no document split
    # balance: no shard exceeds an equal share by more than one document's cost
    def cost(idx: list[int]) -> int:
        by_ctx: dict[str, int] = {}
        for i in idx:
            by_ctx.setdefault(reqs[i].context, len(reqs[i].context))
        return sum(by_ctx.values()) + sum(len(reqs[i].continuation) for i in idx)

    docs = [[i for i in range(len(reqs)) if reqs[i].context == c]
            for c in dict.fromkeys(r.context for r in reqs)]
    total = sum(cost(d) for d in docs)
    biggest = max(cost(d) for d in docs)
    assert max(cost(s) for s in shards) <= total / n_shards + biggest
    # reuse kept: a shard spans at most the tasks its run crosses, so the shared five-shot
    # prefixes are run at most (tasks + shards - 1) times in all
    prefix_runs = sum(len({reqs[i].context[:10] for i in s}) for s in shards if s)
    assert prefix_runs <= 3 + n_shards - 1


def test_custom_cost_moves_the_cut() -> None:
    reqs = [Request(d, 0, f"c{d}", " a", 0) for d in range(4)]
    # the first document costs as much as the other three: it gets a shard alone
    shards = shard_requests(reqs, 2, cost=lambda r, idx: 30.0 if idx[0] == 0 else 10.0)
    assert shards == [[0], [1, 2, 3]]


def test_merge_shards_restores_order_and_checks_counts() -> None:
    reqs = _requests()
    shards = shard_requests(reqs, 3)
    results = [[f"r{i}" for i in s] for s in shards]
    assert merge_shards(shards, results, len(reqs)) == [f"r{i}" for i in range(len(reqs))]
    with pytest.raises(InputError, match="shard 0: 1 results for"):
        merge_shards(shards, [results[0][:1], results[1], results[2]], len(reqs))
    with pytest.raises(InputError, match="is in no shard"):
        merge_shards(shards[:2], results[:2], len(reqs))


def test_bad_input() -> None:
    with pytest.raises(InputError, match="n_shards must be a positive whole number; got 0"):
        shard_requests([], 0)
    split = [Request(0, 0, "A", " x", 0), Request(1, 0, "B", " y", 0),
             Request(0, 1, "A", " z", 0)]
    with pytest.raises(InputError, match="are not adjacent"):
        shard_requests(split, 2)
