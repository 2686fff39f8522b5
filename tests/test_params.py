"""Parameter counts: the densing paper's reference models exactly, and totals that equal
``sum(p.numel())`` of instantiated tiny models (Llama, GPT-2, Mixtral MoE)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from densing.cli import main  # noqa: E402
from densing.evaluate import count_parameters  # noqa: E402
from densing.exceptions import DataFormatError, InputError  # noqa: E402

pytestmark = pytest.mark.eval

# Xiao et al. 2024 (arXiv:2412.04315), reference models: Llama-style, gated SiLU FFN,
# RMSNorm, no biases, d_head = 64. (n_layer, d, d_ffn, n_head, n_kv) -> non-embedding params.
PAPER_REFERENCE = [
    ((8, 256, 640, 4, 1), 5_247_232),
    ((12, 512, 1280, 8, 2), 31_470_080),
    ((18, 768, 1920, 12, 3), 106_196_736),
    ((24, 1024, 2560, 16, 2), 245_416_960),
    ((30, 1280, 3200, 20, 2), 476_852_480),
    ((36, 1536, 3840, 24, 3), 828_225_024),
]


def _paper_config(n_layer: int, d: int, d_ffn: int, n_head: int, n_kv: int):
    return transformers.LlamaConfig(
        vocab_size=122_753,
        hidden_size=d,
        intermediate_size=d_ffn,
        num_hidden_layers=n_layer,
        num_attention_heads=n_head,
        num_key_value_heads=n_kv,
        head_dim=64,
        hidden_act="silu",
        attention_bias=False,
        mlp_bias=False,
    )


@pytest.mark.parametrize(("arch", "expected"), PAPER_REFERENCE)
def test_paper_reference_non_embedding_exact(arch: tuple, expected: int) -> None:
    counts = count_parameters(_paper_config(*arch))
    assert counts["non_embedding"] == expected
    n_layer, d, d_ffn, n_head, n_kv = arch
    # the convention: attention + gated FFN + 2 RMSNorms per layer, plus the final norm
    per_layer = 2 * d * 64 * (n_head + n_kv) + 3 * d * d_ffn + 2 * d
    assert n_layer * per_layer + d == expected
    assert counts["total"] == expected + 2 * 122_753 * d  # untied input + output tables
    assert counts["active"] == counts["total"]


def _tiny_configs():
    return {
        "llama": transformers.LlamaConfig(
            vocab_size=101, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2,
        ),
        "llama_tied": transformers.LlamaConfig(
            vocab_size=101, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
        ),
        "gpt2": transformers.GPT2Config(
            vocab_size=101, n_embd=32, n_layer=2, n_head=4, n_positions=64,
        ),
        "mixtral": transformers.MixtralConfig(
            vocab_size=101, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, num_local_experts=4,
            num_experts_per_tok=2,
        ),
    }


@pytest.mark.parametrize("name", ["llama", "llama_tied", "gpt2", "mixtral"])
def test_total_equals_instantiated_numel(name: str) -> None:
    config = _tiny_configs()[name]
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config)
    numel = sum(p.numel() for p in model.parameters())
    counts = count_parameters(config)
    assert counts["total"] == numel
    assert count_parameters(model)["total"] == numel
    embed = model.get_input_embeddings().weight.numel()
    if name == "gpt2":
        embed += model.transformer.wpe.weight.numel()  # learned positions
    tied = name in ("llama_tied", "gpt2")
    assert counts["tied_embeddings"] is tied
    if not tied:
        embed += model.get_output_embeddings().weight.numel()
    assert counts["non_embedding"] == numel - embed
    assert counts["embedding"] == embed


def test_mixtral_active_below_total() -> None:
    config = _tiny_configs()["mixtral"]
    counts = count_parameters(config)
    d, f, n_layer = 32, 48, 2
    expert = 3 * d * f
    # 2 of 4 experts active per token in each layer
    assert counts["total"] - counts["active"] == n_layer * 2 * expert
    assert counts["active"] < counts["total"]
    assert counts["active_non_embedding"] == counts["non_embedding"] - n_layer * 2 * expert
    assert (counts["n_experts"], counts["experts_per_token"]) == (4, 2)


def test_paths_dicts_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = _paper_config(8, 256, 640, 4, 1)
    config.save_pretrained(tmp_path)  # writes config.json, no weights
    assert count_parameters(tmp_path)["non_embedding"] == 5_247_232
    assert count_parameters(tmp_path / "config.json")["non_embedding"] == 5_247_232
    as_dict = json.loads((tmp_path / "config.json").read_text())
    assert count_parameters(as_dict)["non_embedding"] == 5_247_232
    assert main(["params", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["non_embedding"] == 5_247_232 and "norms" in out["convention"]
    assert main(["params", str(tmp_path)]) == 0
    assert "5,247,232" in capsys.readouterr().out


def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(InputError, match="nope"):
        count_parameters(tmp_path / "nope" / "model")
    with pytest.raises(InputError, match="no config.json"):
        count_parameters(tmp_path)
    bad = tmp_path / "config.json"
    bad.write_text('{"model_type": "llama", "hidden_')
    with pytest.raises(DataFormatError, match="config.json"):
        count_parameters(bad)
    with pytest.raises(InputError, match="model_type"):
        count_parameters({"hidden_size": 3})
    with pytest.raises(InputError, match="missing.gguf"):
        count_parameters(tmp_path / "missing.gguf")
    assert main(["params", str(tmp_path / "nope")]) == 2
    assert "error" in capsys.readouterr().err
