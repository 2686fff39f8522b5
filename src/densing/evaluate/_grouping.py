"""Group requests by shared context and shard the groups across workers, keeping reuse.

Context-once scoring (:mod:`densing.evaluate._context_once`) saves work only when a
document's answer choices are scored together and a task's documents follow one another (the
five shots are then run once per task and worker). When requests are split over several
workers (processes, GPUs, machines), splitting them anywhere would break both. These helpers
split them so that:

- every document (one context and all its continuations) stays whole on one worker;
- each worker gets one **contiguous** run of documents, in the given order (tasks
  contiguous), so a worker touches at most the tasks its run spans and runs each task's
  shared prefix once;
- the runs are balanced by a cost per document (by default the characters of its context
  plus those of its continuations, a proxy for tokens; pass token counts when known).

``merge_shards`` puts the workers' results back in the original order. No model is needed;
``tests/test_grouping.py`` checks the rules on CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from densing.exceptions import InputError

__all__ = ["group_by_context", "merge_shards", "shard_requests"]


def group_by_context(requests: Sequence[Any]) -> list[list[int]]:
    """Indices of the requests that share each context, in order of first appearance.

    Parameters
    ----------
    requests
        Objects with a ``context`` attribute (:class:`densing.evaluate.protocol.Request`).

    Returns
    -------
    list of list of int
        One list per distinct context: the indices of its requests, in the given order.
    """
    groups: dict[str, list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault(req.context, []).append(i)
    return list(groups.values())


def _default_cost(requests: Sequence[Any], idx: list[int]) -> float:
    return float(len(requests[idx[0]].context) + sum(len(requests[i].continuation) for i in idx))


def shard_requests(
    requests: Sequence[Any],
    n_shards: int,
    *,
    cost: Callable[[Sequence[Any], list[int]], float] | None = None,
) -> list[list[int]]:
    """Split requests over ``n_shards`` workers: whole documents, contiguous, balanced.

    Parameters
    ----------
    requests
        Objects with ``context`` and ``continuation`` attributes, tasks contiguous.
    n_shards
        Number of workers (a positive whole number); shards may be empty when there are
        fewer documents than workers.
    cost
        ``cost(requests, indices) -> float``: the work of one document's requests (default:
        characters of the context plus those of the continuations).

    Returns
    -------
    list of list of int
        Request indices per shard; together every index exactly once, each shard a
        contiguous run of whole documents in the given order.

    Raises
    ------
    InputError
        A bad shard count, or a context that reappears after other contexts (its document
        would be split across the run).
    """
    if isinstance(n_shards, bool) or not isinstance(n_shards, int) or n_shards < 1:
        raise InputError(f"n_shards must be a positive whole number; got {n_shards!r}")
    groups = group_by_context(requests)
    for g in groups:
        if g[-1] - g[0] + 1 != len(g):
            raise InputError(
                f"the requests of context {requests[g[0]].context[:40]!r}... are not adjacent "
                f"(requests {g[0]} and {g[-1]}); keep each document's requests together"
            )
    costs = [float((cost or _default_cost)(requests, g)) for g in groups]
    total = sum(costs)
    shards: list[list[int]] = [[] for _ in range(n_shards)]
    done = 0.0
    shard = 0
    for g, c in zip(groups, costs, strict=True):
        # move on when this document's midpoint lies past the current shard's share
        while shard < n_shards - 1 and done + c / 2 > total * (shard + 1) / n_shards:
            shard += 1
        shards[shard].extend(g)
        done += c
    return shards


def merge_shards(
    shards: Sequence[Sequence[int]], results: Sequence[Sequence[Any]], n: int
) -> list[Any]:
    """Put per-shard results back in the original request order.

    Parameters
    ----------
    shards
        Request indices per shard (from :func:`shard_requests`).
    results
        Each shard's results, in its indices' order.
    n
        Total number of requests.

    Returns
    -------
    list
        ``n`` results in the original order.

    Raises
    ------
    InputError
        A shard whose result count differs from its index count, or an index missing or
        given twice.
    """
    out: list[Any] = [None] * n
    seen = [False] * n
    for k, (idx, res) in enumerate(zip(shards, results, strict=True)):
        if len(idx) != len(res):
            raise InputError(f"shard {k}: {len(res)} results for {len(idx)} requests")
        for i, r in zip(idx, res, strict=True):
            if not 0 <= i < n or seen[i]:
                raise InputError(f"shard {k}: request index {i} is out of range or repeated")
            seen[i] = True
            out[i] = r
    if not all(seen):
        raise InputError(f"request {seen.index(False)} is in no shard")
    return out
