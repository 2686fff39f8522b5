"""Shared helpers for the evaluate tests: a tiny random Llama and a BPE tokenizer.

The tokenizer has no BOS token and no post-processor, so neither lm-eval's HFLM nor the
direct computation below prepends anything: the log-likelihood of a continuation is the sum
of log-probabilities of its tokens given the context tokens only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

TRAIN_LINES = [
    "The capital of France is Paris.",
    "Two plus two equals four.",
    "The sun rises in the east.",
    "Water freezes at zero degrees Celsius.",
    "A cat is a kind of animal.",
    "Birds can fly because they have wings.",
    "Question: What is the color of the sky? Answer: blue",
]

ARC_DOCS = [
    ("What do plants need to make food?", ["sunlight", "sand", "noise", "plastic"], "A"),
    ("Which is a mammal?", ["shark", "whale", "trout", "frog"], "B"),
    ("What melts ice fastest?", ["cold", "shade", "heat", "wind"], "C"),
    ("Which planet is closest to the Sun?", ["Mars", "Earth", "Venus", "Mercury"], "D"),
    ("What gas do we breathe in?", ["oxygen", "helium", "neon", "argon"], "A"),
    ("Which tool measures mass?", ["ruler", "balance", "clock", "compass"], "B"),
    ("What is frozen water called?", ["steam", "fog", "ice", "dew"], "C"),
]


def build_tiny_model(dest: Path, *, seed: int = 0, max_positions: int = 512) -> Path:
    """Save a random 2-layer Llama (d=64) and a byte-level BPE tokenizer under ``dest``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<unk>", "<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(TRAIN_LINES * 3, trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<eos>", unk_token="<unk>")
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        bos_token_id=None,
        eos_token_id=tok.eos_token_id,
        pad_token_id=None,
    )
    model = LlamaForCausalLM(cfg)
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tok.save_pretrained(dest)
    return dest


def write_arc_jsonl(path: Path) -> Path:
    """An ARC-format JSONL (question, choices.text/label, answerKey) with 7 documents."""
    with path.open("w", encoding="utf-8") as fh:
        for i, (q, texts, key) in enumerate(ARC_DOCS):
            doc = {
                "id": f"doc{i}",
                "question": q,
                "choices": {"text": texts, "label": ["A", "B", "C", "D"]},
                "answerKey": key,
            }
            fh.write(json.dumps(doc) + "\n")
    return path


def direct_loglik(model: Any, tok: Any, context: str, continuation: str) -> float:
    """Sum of log-probs of ``continuation`` given ``context``, tokenised as lm-eval does.

    lm-eval moves trailing spaces of the context onto the continuation, encodes
    ``context + continuation`` as a whole (no special tokens) and scores the tokens after
    those of the context alone.
    """
    import torch

    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tok.encode(context + continuation, add_special_tokens=False)
    ctx = tok.encode(context, add_special_tokens=False)
    cont = whole[len(ctx) :]
    ids = torch.tensor([whole[:-1]])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits, dim=-1)[0].double()
    start = len(ctx) - 1
    return float(sum(logp[start + i, t] for i, t in enumerate(cont)))


def rc_fake_docs() -> dict[str, list[dict[str, Any]]]:
    """Three documents per shipped RC benchmark, in each Hugging Face dataset's own fields."""
    abcd = ["A", "B", "C", "D"]
    out: dict[str, list[dict[str, Any]]] = {}
    out["hellaswag"] = [
        {"activity_label": "Cooking", "ctx_a": "A man cuts onions.", "ctx_b": "he",
         "endings": ["cries.", "flies.", "sings.", "sleeps."], "label": str(i % 4)}
        for i in range(3)
    ]
    for name in ("arc_easy", "arc_challenge", "csqa"):
        out[name] = [
            {"question": f"Question {i}?", "choices": {"text": ["a", "b", "c", "d"],
             "label": abcd}, "answerKey": abcd[i]}
            for i in range(3)
        ]
    out["openbookqa"] = [
        {"question_stem": f"Stem {i}", "choices": {"text": ["a", "b", "c", "d"], "label": abcd},
         "answerKey": abcd[i]}
        for i in range(3)
    ]
    out["piqa"] = [{"goal": f"Goal {i}", "sol1": "yes", "sol2": "no", "label": i % 2}
                   for i in range(3)]
    out["winogrande"] = [
        {"sentence": f"The cat chased the dog because _ was angry {i}.", "option1": "the cat",
         "option2": "the dog", "answer": str(1 + i % 2)}
        for i in range(3)
    ]
    out["socialiqa"] = [
        {"context": "Sam waved.", "question": f"Why {i}?", "answerA": "hi", "answerB": "bye",
         "answerC": "no", "label": str(1 + i)}
        for i in range(3)
    ]
    out["mmlu"] = [
        {"question": f"Q{i}", "subject": "math", "choices": ["1", "2", "3", "4"], "answer": i}
        for i in range(3)
    ]
    out["boolq"] = [
        {"passage": "Water is wet.", "question": f"is water wet {i}", "label": i % 2}
        for i in range(3)
    ]
    return out
