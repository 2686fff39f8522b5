"""Bad input to ``densing params``, ``evaluate`` and ``measure``: exit 2, one line naming the
value, no traceback, nothing written (issue 10 items 5 and 7)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.eval

pytest.importorskip("transformers")

from densing.cli import main  # noqa: E402

LLAMA = {
    "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "vocab_size": 100,
}


def _config_dir(tmp_path: Path, **changes: object) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({**LLAMA, **changes}), encoding="utf-8")
    return d


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    rc = main(argv)
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert rc == 2, (rc, captured.out, err)
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hidden_size", -64),
        ("hidden_size", 0),
        ("intermediate_size", -1),
        ("num_hidden_layers", 0),
        ("num_attention_heads", 0),
        ("num_key_value_heads", 0),
        ("vocab_size", -100),
        ("hidden_size", 64.5),
    ],
)
def test_params_rejects_bad_sizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: object
) -> None:
    d = _config_dir(tmp_path, **{field: value})
    _fails(capsys, ["params", str(d)], field, repr(value))
    _fails(capsys, ["params", str(d / "config.json")], field, repr(value))


def test_params_rejects_remote_code_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _config_dir(tmp_path, auto_map={"AutoModelForCausalLM": "modeling_x.X"})
    _fails(capsys, ["params", str(d)], "remote code", "--trust-remote-code")


def test_params_gguf_file_missing_and_not_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _config_dir(tmp_path)
    _fails(capsys, ["params", str(d), "--gguf-file", "nope.gguf"], "'nope.gguf'")
    _fails(capsys, ["params", str(d / "config.json"), "--gguf-file", "x.gguf"], "directory")


def test_params_rejects_a_file_that_is_not_gguf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "fake.gguf"
    bad.write_bytes(b"NOTGGUF" + b"\0" * 64)
    _fails(capsys, ["params", str(bad)], "not a GGUF file")
    short = tmp_path / "short.gguf"
    short.write_bytes(b"GGUF\x03\0\0\0\x05")
    _fails(capsys, ["params", str(short)], "truncated")


@pytest.mark.parametrize("command", ["evaluate", "measure"])
def test_empty_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out.csv"
    argv = [command, "--model", str(empty), "--benchmarks", "arc_easy", "--params", "1e8"]
    if command == "evaluate":
        argv = [command, "--model", str(empty), "--benchmarks", "arc_easy", "--out", str(out)]
    _fails(capsys, argv, "no config.json", str(empty))
    assert not out.exists()


def test_evaluate_remote_code_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _config_dir(tmp_path, auto_map={"AutoModelForCausalLM": "modeling_x.X"})
    out = tmp_path / "out.csv"
    _fails(capsys, ["evaluate", "--model", str(d), "--benchmarks", "arc_easy",
                    "--out", str(out)], "remote code")
    _fails(capsys, ["evaluate", "--model", str(d), "--tasks", "densing_tiny_mc",
                    "--out", str(out)], "remote code")
    assert not out.exists()


@pytest.mark.parametrize("command", ["evaluate", "measure"])
def test_uncached_hub_name_offline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    name = "densing-test-org/no-such-model-xyz"
    argv = [command, "--model", name, "--benchmarks", "arc_easy"]
    if command == "measure":
        argv += ["--params", "1e8"]
    _fails(capsys, argv, repr(name), "not a local path", "offline")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--limit", "0"], "--limit"),
        (["--limit", "2.5"], "2.5"),
        (["--batch-size", "-3"], "'-3'"),
        (["--benchmarks", "helaswag"], "'helaswag'"),
        (["--benchmarks", ","], "benchmarks"),
    ],
)
def test_evaluate_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    d = _config_dir(tmp_path)
    out = tmp_path / "out.csv"
    _fails(capsys, ["evaluate", "--model", str(d), "--out", str(out), *extra], needle)
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--params", "7"], "looks like billions"),
        (["--params", "lots"], "'lots'"),
        (["--params=-7e9"], "-7e+09"),
        (["--release-date", "yesterday"], "'yesterday'"),
        (["--training-tokens=-1e12"], "-1e+12"),
        (["--tokens", "abc"], "'abc'"),
    ],
)
def test_measure_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    d = _config_dir(tmp_path)
    _fails(capsys, ["measure", "--model", str(d), "--benchmarks", "arc_easy", *extra], needle)


def test_evaluate_and_tasks_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _config_dir(tmp_path)
    _fails(capsys, ["evaluate", "--model", str(d), "--benchmarks", "arc_easy",
                    "--tasks", "densing_tiny_mc"], "not both")


def test_nothing_left_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    before = sorted(os.listdir(tmp_path))
    _fails(capsys, ["evaluate", "--model", str(empty), "--out", str(tmp_path / "r.csv")])
    assert sorted(os.listdir(tmp_path)) == before
