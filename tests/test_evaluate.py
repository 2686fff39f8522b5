"""Tests of densing.evaluate: lm-eval runs on a tiny random Llama, losses, bad input, CLI."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("lm_eval")

from _eval_helpers import build_tiny_model, direct_loglik, write_arc_jsonl  # noqa: E402

from densing.cli import main  # noqa: E402
from densing.evaluate import (  # noqa: E402
    RESULT_COLUMNS,
    conditional_losses,
    evaluate_model,
    write_task_dir,
)
from densing.exceptions import DataFormatError, DensingError, InputError  # noqa: E402

pytestmark = pytest.mark.eval


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Tiny model + an ARC-format local task, evaluated once through lm-eval."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = tmp_path_factory.mktemp("tiny")
    model_dir = build_tiny_model(root / "model")
    arc = write_arc_jsonl(root / "arc.jsonl")
    tasks_dir = write_task_dir(root / "tasks", {"arc_easy": arc})
    out = root / "out"
    table, results = evaluate_model(
        str(model_dir),
        ["densing_tiny_mc", "densing_rc_arc_easy"],
        task_paths=tasks_dir,
        output_path=out,
        batch_size=4,
        return_results=True,
    )
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    return {
        "dir": model_dir,
        "table": table,
        "results": results,
        "out": out,
        "model": model,
        "tok": tok,
        "tasks_dir": tasks_dir,
        "arc": arc,
    }


def _direct_gold_nll(tiny: dict, task: str) -> list[float]:
    """Gold NLL per document, computed directly with transformers from the logged docs."""
    out = []
    for s in tiny["results"]["samples"][task]:
        gold = int(s["target"])
        ctx, cont = s["arguments"][gold][:2]
        out.append(-direct_loglik(tiny["model"], tiny["tok"], ctx, cont))
    return out


def test_table_columns_and_protocol(tiny: dict) -> None:
    table = tiny["table"]
    assert list(table.columns) == RESULT_COLUMNS
    rows = table.set_index("benchmark")
    assert rows.loc["densing_tiny_mc", "protocol"].startswith("lm-eval:densing_tiny_mc-0shot-")
    assert rows.loc["arc_easy", "protocol"] == "rc-5shot"
    assert rows.loc["densing_tiny_mc", "n"] == 8
    assert rows.loc["arc_easy", "n"] == 7
    assert (table["loss_unit"] == "bits_per_byte").all()
    assert table["loss"].map(math.isfinite).all()
    assert table["score"].between(0, 1).all()
    assert (table["model"] == "model").all()


def test_five_shot_prompt_used(tiny: dict) -> None:
    ctx = tiny["results"]["samples"]["densing_rc_arc_easy"][0]["arguments"][0][0]
    assert ctx.count("Question:") == 6  # 5 shots + the question itself


@pytest.mark.parametrize("task", ["densing_tiny_mc", "densing_rc_arc_easy"])
def test_gold_nll_matches_direct_transformers(tiny: dict, task: str) -> None:
    per = conditional_losses(tiny["results"], normalize="instance", task=task, aggregate=False)
    direct = _direct_gold_nll(tiny, task)
    assert len(per) == len(direct)
    for got, want in zip(per["nll"], direct, strict=True):
        assert got == pytest.approx(want, abs=1e-5)
    # the per-instance loss is the NLL itself
    assert per["loss"].tolist() == pytest.approx(direct, abs=1e-5)


def test_on_disk_samples_match_in_memory(tiny: dict) -> None:
    files = sorted(tiny["out"].rglob("samples_densing_tiny_mc_*.jsonl"))
    assert len(files) == 1
    first = json.loads(files[0].read_text().splitlines()[0])
    assert isinstance(first["target"], str)  # lm-eval stores strings on disk
    direct = _direct_gold_nll(tiny, "densing_tiny_mc")
    disk = conditional_losses(files[0], normalize="instance", aggregate=False)
    assert disk["task"].unique().tolist() == ["densing_tiny_mc"]
    assert disk["nll"].tolist() == pytest.approx(direct, abs=1e-5)
    # a whole directory: both tasks, same aggregates as in memory
    agg_disk = conditional_losses(tiny["out"]).set_index("task").sort_index()
    agg_mem = conditional_losses(tiny["results"]).set_index("task").sort_index()
    assert agg_disk["loss"].tolist() == pytest.approx(agg_mem["loss"].tolist(), abs=1e-9)


def test_bits_per_byte_definition(tiny: dict) -> None:
    per = conditional_losses(tiny["results"], task="densing_tiny_mc", aggregate=False)
    nbytes = per["continuation"].map(lambda s: len(s.encode("utf-8")))
    expected = per["nll"] / (math.log(2) * nbytes)
    assert per["loss"].tolist() == pytest.approx(expected.tolist(), rel=1e-12)
    agg = conditional_losses(tiny["results"], task="densing_tiny_mc")
    row = agg.iloc[0]
    assert row["loss_unit"] == "bits_per_byte"
    assert row["n"] == 8
    assert row["loss"] == pytest.approx(expected.mean())
    assert row["loss_stderr"] == pytest.approx(expected.std(ddof=1) / math.sqrt(8))
    table_loss = tiny["table"].set_index("benchmark").loc["densing_tiny_mc", "loss"]
    assert table_loss == pytest.approx(row["loss"])


def test_per_token_normalisation(tiny: dict) -> None:
    tok = tiny["tok"]
    per = conditional_losses(
        tiny["results"], normalize="tokens", tokenizer=tok, task="densing_tiny_mc",
        aggregate=False,
    )
    assert (per["loss_unit"] == "nats_per_token").all()
    for s, nll, loss in zip(
        tiny["results"]["samples"]["densing_tiny_mc"], per["nll"], per["loss"], strict=True
    ):
        ctx, cont = s["arguments"][int(s["target"])][:2]
        n_tok = len(tok.encode(ctx + cont, add_special_tokens=False)) - len(
            tok.encode(ctx, add_special_tokens=False)
        )
        assert loss == pytest.approx(nll / n_tok)
    with pytest.raises(InputError, match="tokenizer"):
        conditional_losses(tiny["results"], normalize="tokens")


def test_model_object_and_tokens_table(tiny: dict) -> None:
    table = evaluate_model(
        tiny["model"], "densing_tiny_mc", tokenizer=tiny["tok"], normalize="tokens",
        name="tiny-object", limit=4,
    )
    assert table["model"].tolist() == ["tiny-object"]
    assert table["loss_unit"].tolist() == ["nats_per_token"]
    assert table["n"].tolist() == [4]
    assert math.isfinite(table["loss"].iloc[0])


# ---------------------------------------------------------------- bad input


def _disk_file(tiny: dict) -> Path:
    return sorted(tiny["out"].rglob("samples_densing_tiny_mc_*.jsonl"))[0]


def test_missing_samples_file(tmp_path: Path) -> None:
    missing = tmp_path / "samples_x_2024-01-01T00-00-00.000000.jsonl"
    with pytest.raises(DataFormatError, match="not found.*samples_x"):
        conditional_losses(missing)


def test_truncated_jsonl_names_file_and_line(tiny: dict, tmp_path: Path) -> None:
    src = _disk_file(tiny)
    lines = src.read_text().splitlines()
    bad = tmp_path / src.name
    bad.write_text("\n".join(lines[:-1] + [lines[-1][: len(lines[-1]) // 2]]) + "\n")
    with pytest.raises(DataFormatError, match=rf"{bad.name}.*line {len(lines)}.*truncated"):
        conditional_losses(bad)


def test_target_out_of_range(tiny: dict, tmp_path: Path) -> None:
    src = _disk_file(tiny)
    rows = [json.loads(x) for x in src.read_text().splitlines()]
    rows[2]["target"] = "7"
    bad = tmp_path / src.name
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataFormatError, match=r"line 3.*target index 7 is out of range"):
        conditional_losses(bad)
    mem = [dict(s) for s in tiny["results"]["samples"]["densing_tiny_mc"]]
    mem[0]["target"] = -1
    with pytest.raises(DataFormatError, match=r"\[0\].*-1"):
        conditional_losses({"densing_tiny_mc": mem})


def test_unknown_task(tiny: dict) -> None:
    with pytest.raises(InputError, match="densing_tiny_mcq.*did you mean.*densing_tiny_mc"):
        evaluate_model(str(tiny["dir"]), ["densing_tiny_mcq"])


def test_missing_model_and_data(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="model path not found"):
        evaluate_model(str(tmp_path / "nope"), "densing_tiny_mc")
    with pytest.raises(InputError, match="data file not found.*nope.jsonl"):
        write_task_dir(tmp_path / "t", {"hellaswag": tmp_path / "nope.jsonl"})
    with pytest.raises(InputError, match="unknown benchmark 'helaswag'.*hellaswag"):
        write_task_dir(tmp_path / "t", {"helaswag": tmp_path / "nope.jsonl"})
    with pytest.raises(InputError, match="normalize"):
        conditional_losses([], normalize="chars")  # type: ignore[arg-type]


def test_all_shipped_rc_tasks_load(tmp_path: Path) -> None:
    """Every shipped RC task file is a valid lm-eval task once pointed at data."""
    from lm_eval.tasks import TaskManager

    from densing.evaluate import RC_BENCHMARKS

    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    tasks_dir = write_task_dir(tmp_path / "tasks", dict.fromkeys(RC_BENCHMARKS, data))
    manager = TaskManager(include_path=str(tasks_dir), include_defaults=False)
    for bench in RC_BENCHMARKS:
        assert f"densing_rc_{bench}" in manager.all_tasks
    text = (tasks_dir / "densing_rc_hellaswag.yaml").read_text()
    assert str(data.resolve()) in text and "__DATA_FILES__" not in text


# ---------------------------------------------------------------- CLI


def test_cli_evaluate_writes_csv(tiny: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "res.csv"
    rc = main(["evaluate", "--model", str(tiny["dir"]), "--tasks", "densing_tiny_mc",
               "--limit", "3", "--out", str(out), "--quiet"])
    assert rc == 0
    import pandas as pd

    df = pd.read_csv(out)
    assert list(df.columns) == RESULT_COLUMNS
    assert df["n"].tolist() == [3]
    captured = capsys.readouterr()
    assert "densing_tiny_mc" in captured.out
    assert "loglikelihood requests" not in captured.err  # --quiet: no progress bars


def test_cli_evaluate_json_and_errors(tiny: dict, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    rc = main(["evaluate", "--model", str(tiny["dir"]), "--tasks", "densing_tiny_mc",
               "--limit", "2", "--json", "--quiet"])
    assert rc == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["benchmark"] == "densing_tiny_mc" and rows[0]["n"] == 2
    out = tmp_path / "never.csv"
    rc = main(["evaluate", "--model", str(tmp_path / "missing"), "--tasks", "densing_tiny_mc",
               "--out", str(out), "--quiet"])
    assert rc == 2
    assert "model path not found" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_cli_task_path(tiny: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    tasks = shutil.copytree(tiny["tasks_dir"], tmp_path / "tasks")
    rc = main(["evaluate", "--model", str(tiny["dir"]), "--tasks", "densing_rc_arc_easy",
               "--task-path", str(tasks), "--num-fewshot", "1", "--limit", "2", "--json",
               "--quiet"])
    assert rc == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["protocol"] == "rc-1shot" and rows[0]["benchmark"] == "arc_easy"


def test_densing_error_family() -> None:
    assert issubclass(DataFormatError, DensingError)


def test_every_shipped_rc_task_runs(tiny: dict, tmp_path: Path) -> None:
    """Each shipped task template renders its dataset's own fields and logs a gold index."""
    from _eval_helpers import rc_fake_docs

    data = {}
    for bench, docs in rc_fake_docs().items():
        path = tmp_path / f"{bench}.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs))
        data[bench] = path
    tasks_dir = write_task_dir(tmp_path / "tasks", data, include_tiny=False)
    names = [f"densing_rc_{b}" for b in data]
    table, results = evaluate_model(
        tiny["model"], names, tokenizer=tiny["tok"], task_paths=tasks_dir, num_fewshot=1,
        return_results=True, batch_size=8,
    )
    assert sorted(table["benchmark"]) == sorted(data)
    assert (table["protocol"] == "rc-1shot").all() and (table["n"] == 3).all()
    assert table["loss"].map(math.isfinite).all()
    per = conditional_losses(results, aggregate=False).set_index("task")
    assert per.loc["densing_rc_winogrande", "gold"].tolist() == [0, 1, 0]
    assert per.loc["densing_rc_socialiqa", "gold"].tolist() == [0, 1, 2]
    assert per.loc["densing_rc_arc_easy", "gold"].tolist() == [0, 1, 2]
    assert per.loc["densing_rc_boolq", "gold"].tolist() == [0, 1, 0]
    wino = results["samples"]["densing_rc_winogrande"][0]["arguments"]
    assert wino[0][1] == wino[1][1] == " was angry 0."  # partial scoring: shared continuation


def test_loglikelihood_and_string_formats() -> None:
    """Hand-written logs: a loglikelihood task, old-style "(ll, greedy)" strings."""
    samples = {
        "ll_task": [
            {"doc_id": 0, "target": "", "arguments": [("Hello", " world")],
             "resps": [[(-2.0, True)]], "filtered_resps": [(-2.0, True)]},
            {"doc_id": 1, "target": "", "arguments": {"gen_args_0": {"arg_0": "a", "arg_1": " bé"}},
             "resps": [["(-3.0, False)"]], "filtered_resps": ["(-3.0, False)"]},
        ],
        "mc_text_target": [
            {"doc_id": 0, "target": "yes", "arguments": [("Q", " no"), ("Q", " yes")],
             "resps": [[["-4.0", "False"]], [["-1.0", "True"]]]},
        ],
    }
    per = conditional_losses(samples, aggregate=False).set_index("task")
    ll = per.loc["ll_task"]
    assert ll["nll"].tolist() == [2.0, 3.0]
    assert ll["loss"].tolist() == pytest.approx(
        [2.0 / (math.log(2) * 6), 3.0 / (math.log(2) * 4)]  # " bé" is 4 UTF-8 bytes
    )
    assert math.isnan(ll["distractor_loss"].iloc[0])
    mc = per.loc[["mc_text_target"]]
    assert mc["gold"].tolist() == [1] and mc["nll"].tolist() == [1.0]
    inst = conditional_losses(samples, normalize="instance")
    assert inst.set_index("task").loc["ll_task", "loss"] == pytest.approx(2.5)
    assert inst.set_index("task").loc["ll_task", "loss_stderr"] == pytest.approx(0.5)
    assert (inst["loss_unit"] == "nats_per_instance").all()


def test_import_without_torch() -> None:
    """``import densing.evaluate`` works without the eval extra; use says what to install."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for m in ('torch', 'transformers', 'lm_eval'): sys.modules[m] = None\n"
        "import densing.evaluate as e\n"
        "try:\n"
        "    e.count_parameters({'model_type': 'llama'})\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert 'pip install "densing[eval]"' in out.stdout
