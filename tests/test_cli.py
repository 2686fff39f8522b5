"""The command line as a whole: entry points, help, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

import densing
from densing.cli import _COMMANDS, build_parser, main


def test_python_m_densing_version():
    proc = subprocess.run([sys.executable, "-m", "densing", "--version"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"densing {densing.__version__}"


def test_every_subcommand_is_registered_with_help(capsys):
    parser = build_parser()
    for name in _COMMANDS:
        with pytest.raises(SystemExit) as info:
            parser.parse_args([name, "--help"])
        assert info.value.code == 0
        assert "not available" not in capsys.readouterr().out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_density_cli_round_trip(tmp_path, capsys):
    scores = tmp_path / "s.csv"
    scores.write_text("model,benchmark,protocol,score\nmine,hellaswag,rc-5shot,0.62\n"
                      "mine,arc_challenge,rc-5shot,0.41\n")
    models = tmp_path / "m.csv"
    models.write_text("model,n_params,release_date\nmine,1.2e9,2025-01-15\n")
    out = tmp_path / "d.csv"
    assert main(["density", "--scores", str(scores), "--models", str(models),
                 "--out", str(out)]) == 0
    text = out.read_text()
    assert "average_llv1" in text and text.count("\n") == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("model,benchmark,protocol,score\nmine,hellaswag,rc-5shot,62\n")
    out2 = tmp_path / "d2.csv"
    capsys.readouterr()
    assert main(["density", "--scores", str(bad), "--models", str(models),
                 "--out", str(out2)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "62" in err[0] and "divide by 100" in err[0]
    assert not out2.exists()
