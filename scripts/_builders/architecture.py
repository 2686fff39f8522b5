"""Architecture columns of models.csv: non-embedding parameter counts.

The values (vocabulary, hidden size, tying, exact architecture total, learned positions, LM-head
bias, embedding width) are in ``scripts/curated/architectures.csv``; its README explains the
``arch_source`` values. ``Arch.embedding`` gives the embedding parameters in densing's
convention (``densing.evaluate.count_parameters``).
"""

from __future__ import annotations

import numpy as np

from . import curated

__all__ = ["arch_columns"]


def arch_columns(hf_id: str, n_params: float) -> dict[str, object]:
    """The architecture columns of one models.csv row (empty where the model is not covered)."""
    arch = curated.architectures().get(hf_id)
    if arch is None:
        return {
            "n_params_nonembedding": np.nan,
            "n_params_arch": np.nan,
            "vocab_size": np.nan,
            "d_model": np.nan,
            "tied_embeddings": "",
            "arch_source": "",
        }
    if arch.total is not None:
        total, how = arch.total, "total: architecture count"
    else:
        total, how = n_params, "total: n_params (rounded), embeddings subtracted"
    nonemb = int(round(total)) - arch.embedding()
    # non-embedding share: 27 % (pythia-70m, vocab-dominated) to 99.5 % (Llama-3.1-405B)
    assert 0.25 * total < nonemb < total, (hf_id, nonemb, total)
    return {
        "n_params_nonembedding": nonemb,
        "n_params_arch": arch.total if arch.total is not None else np.nan,
        "vocab_size": arch.vocab,
        "d_model": arch.d_model,
        "tied_embeddings": "True" if arch.tied else "False",
        "arch_source": f"{arch.source}; {how}",
    }
