"""Arguments of ``measure`` and ``evaluate`` checked before the model loads (issue 20 §3):
exit 2, one line naming the value, no traceback, nothing written; the API's arguments raise a
DensingError subclass naming the argument.

The model folder holds a config, a (zero-byte) weights file and a tokenizer file, so every
check on paths passes; loading it is made to fail the test, so each refusal is shown to come
before the load.
"""

from __future__ import annotations

import json
import math
import struct
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.eval

pytest.importorskip("transformers")
pytest.importorskip("lm_eval")

from densing.cli import main  # noqa: E402
from densing.exceptions import DensingError, InputError  # noqa: E402

LLAMA = {
    "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "vocab_size": 100,
}


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import densing.evaluate as ev
    import densing.evaluate.engine as engine

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the model was loaded before the arguments were checked")

    monkeypatch.setattr(engine, "create_lm", refuse)
    monkeypatch.setattr(ev, "evaluate_model", refuse)
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(LLAMA), encoding="utf-8")
    (d / "model.safetensors").write_bytes(b"")
    (d / "tokenizer.json").write_text("{}", encoding="utf-8")
    return d


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    rc = main(argv)
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert rc == 2, (rc, cap.out, err)
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err and cap.out == ""
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--batch-size", "²"], "'²'"),
        (["--batch-size", "٣"], "'٣'"),  # an Arabic-Indic digit: int() would take it
        (["--batch-size", "auto:x"], "'auto:x'"),
        (["--batch-size", "auto:0"], "'auto:0'"),
        (["--device", "bogus"], "'bogus'"),
        (["--device", "cuda:"], "'cuda:'"),
        (["--limit", "nan"], "nan"),
        (["--limit", "inf"], "inf"),
    ],
)
@pytest.mark.parametrize("command", ["measure", "evaluate"])
def test_bad_options_refused_before_the_model_loads(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
    extra: list[str], needle: str,
) -> None:
    _fails(capsys, [command, "--model", str(model_dir), "--benchmarks", "arc_easy", *extra],
           needle)
    assert not (tmp_path / "cache").exists()


def test_missing_cuda_device_is_refused(model_dir: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    _fails(capsys, ["measure", "--model", str(model_dir), "--device", f"cuda:{n}"],
           f"'cuda:{n}'", "CUDA")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--limit", "-3"], "-3"),
        (["--limit", "0"], "0"),
        (["--limit", "nan"], "nan"),
        (["--limit", "2.5"], "2.5"),
        (["--num-fewshot", "-1"], "-1"),
        (["--batch-size", "²"], "'²'"),
        (["--device", "bogus"], "'bogus'"),
    ],
)
def test_tasks_options_refused_before_the_model_loads(
    model_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    _fails(capsys, ["evaluate", "--model", str(model_dir), "--tasks", "densing_tiny_mc",
                    *extra], needle)


@pytest.mark.parametrize("flag", ["--out", "--scores-out"])
def test_output_into_a_missing_folder(model_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], flag: str) -> None:
    command = "evaluate" if flag == "--out" else "measure"
    target = tmp_path / "no" / "such" / "r.csv"
    _fails(capsys, [command, "--model", str(model_dir), "--benchmarks", "arc_easy", flag,
                    str(target)], flag, str(tmp_path / "no" / "such"), "does not exist")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "extra",
    [["--num-fewshot", "3"], ["--normalize", "tokens"], ["--samples-dir", "s"],
     ["--normalize", "bytes"]],
)
@pytest.mark.parametrize("bench", [["--benchmarks", "arc_easy"], []])
def test_tasks_only_options_refused_with_benchmarks(
    model_dir: Path, capsys: pytest.CaptureFixture[str], extra: list[str], bench: list[str]
) -> None:
    _fails(capsys, ["evaluate", "--model", str(model_dir), *bench, *extra], extra[0],
           "--tasks only")


@pytest.mark.parametrize(
    ("keep", "missing"),
    [(["config.json"], "no weights"), (["config.json", "model.safetensors"], "no tokenizer"),
     (["config.json", "tokenizer.json"], "no weights")],
)
@pytest.mark.parametrize("command", ["measure", "evaluate"])
def test_model_folder_without_weights_or_tokenizer(
    model_dir: Path, capsys: pytest.CaptureFixture[str], keep: list[str], missing: str,
    command: str,
) -> None:
    for p in model_dir.iterdir():
        if p.name not in keep:
            p.unlink()
    _fails(capsys, [command, "--model", str(model_dir), "--benchmarks", "arc_easy"],
           repr(str(model_dir)), missing)


@pytest.mark.parametrize("command", ["measure", "evaluate"])
@pytest.mark.parametrize("heads", [3, 0])
def test_config_whose_heads_do_not_divide_the_width(
    model_dir: Path, capsys: pytest.CaptureFixture[str], command: str, heads: int,
) -> None:
    config = model_dir / "config.json"
    config.write_text(json.dumps({**LLAMA, "num_attention_heads": heads}), encoding="utf-8")
    _fails(capsys, [command, "--model", str(model_dir), "--benchmarks", "arc_easy"],
           repr(str(config)), f"num_attention_heads {heads}", "hidden_size 64")


def _gguf(path: Path, tensors: list[tuple[str, list[int]]]) -> Path:
    """A GGUF v3 header (no tensor data): architecture llama, the given tensor shapes."""
    def s(text: str) -> bytes:
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 1)
    out += s("general.architecture") + struct.pack("<I", 8) + s("llama")
    for name, dims in tensors:
        out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d)
                                                                  for d in dims)
        out += struct.pack("<IQ", 0, 0)  # type f32, offset 0
    path.write_bytes(out)
    return path


@pytest.mark.parametrize(
    ("tensors", "needle"),
    [
        ([("token_embd.weight", [64, 100]), ("blk.0.attn_q.weight", [64, 0])],
         "'blk.0.attn_q.weight' has 0 elements"),
        ([("token_embd.weight", [64, 100])], "outside the embeddings"),
        ([("token_embd.weight", [64, 100]), ("blk.0.ffn_up.weight", [2**40, 2**40])],
         "1.21e+24 parameters"),
    ],
)
def test_absurd_gguf_headers_are_refused(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    tensors: list[tuple[str, list[int]]], needle: str,
) -> None:
    g = _gguf(tmp_path / "bad.gguf", tensors)
    _fails(capsys, ["params", str(g)], "bad.gguf", needle)
    _fails(capsys, ["measure", "--model", str(g), "--benchmarks", "arc_easy"], needle)
    _fails(capsys, ["measure", "--model", str(g), "--benchmarks", "arc_easy", "--params",
                    "5e6"], needle)


def test_params_of_a_very_deep_config_answers_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "deep"
    d.mkdir()
    layers = 200_000
    (d / "config.json").write_text(json.dumps({**LLAMA, "num_hidden_layers": layers}),
                                   encoding="utf-8")
    start = time.perf_counter()
    rc = main(["params", str(d), "--json"])
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert rc == 0 and elapsed < 60
    got = json.loads(out)
    # Llama per layer: q, o (64x64), k, v (64x32: 2 of 4 heads' width), gate/up/down
    # (64x128), two norms (64); plus the final norm; embeddings and head excluded
    h, kv, f = 64, 32, 128
    per_layer = 2 * h * h + 2 * h * kv + 3 * h * f + 2 * h
    want = layers * per_layer + h
    assert got["non_embedding"] == want


# -- API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [math.nan, math.inf, -1, 0, 2.5, True, "3"])
def test_evaluate_benchmarks_limit(model_dir: Path, limit: Any) -> None:
    from densing.evaluate.ladder import evaluate_benchmarks

    with pytest.raises(DensingError, match="limit") as info:
        evaluate_benchmarks(str(model_dir), "arc_easy", limit=limit)
    assert isinstance(info.value, InputError)
    assert repr(limit) in str(info.value)


@pytest.mark.parametrize("benchmarks", [5, [5], {"arc_easy": 1}])
def test_evaluate_benchmarks_benchmarks(model_dir: Path, benchmarks: Any) -> None:
    from densing.evaluate.ladder import evaluate_benchmarks

    with pytest.raises(InputError, match="benchmarks") as info:
        evaluate_benchmarks(str(model_dir), benchmarks)
    assert repr(benchmarks) in str(info.value)


def test_evaluate_benchmarks_device(model_dir: Path) -> None:
    from densing.evaluate.ladder import evaluate_benchmarks

    with pytest.raises(InputError, match="'bogus'"):
        evaluate_benchmarks(str(model_dir), "arc_easy", limit=1, device="bogus")


# -- --quiet -------------------------------------------------------------------------------------


def test_quiet_loading_silences_the_gguf_bar(capsys: pytest.CaptureFixture[str]) -> None:
    """The GGUF loader calls tqdm directly; quiet loading turns that bar off, then back."""
    import transformers.modeling_gguf_pytorch_utils as gguf_mod

    from densing.evaluate.engine import _quiet_loading

    with _quiet_loading(True):
        for _ in gguf_mod.tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."):
            pass
        from transformers.utils import logging as hf_logging

        assert not hf_logging.is_progress_bar_enabled()
    assert "Converting" not in capsys.readouterr().err
    for _ in gguf_mod.tqdm(range(3), desc="Converting now", disable=False):
        pass
    assert "Converting now" in capsys.readouterr().err
