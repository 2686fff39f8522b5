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


HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "tqdm", "densing.reference",
         "densing.density", "densing.trend", "densing._io", "densing._cli._common")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_startup_imports_nothing_heavy(argv):
    code = ("import sys\nfrom densing.cli import main\n"
            f"rc = main({argv!r})\n"
            f"heavy = sorted(m for m in sys.modules if m in {HEAVY!r})\n"
            "print('HEAVY', heavy, rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("HEAVY [] "), last


def test_shared_modules_import_nothing_heavy():
    code = ("import sys, densing, densing._validation, densing.conventions\n"
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_only_the_command_run_is_imported():
    code = ("import sys\nfrom densing.cli import main\n"
            "try:\n    main(['params', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('densing._cli.')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "['densing._cli._common', " \
        "'densing._cli._help', 'densing._cli.params']"


def test_lazy_package_attributes_resolve():
    from densing.density import compute_density
    from densing.trend import DensingTrend

    assert densing.compute_density is compute_density
    assert densing.DensingTrend is DensingTrend
    assert set(densing.__all__) <= set(dir(densing))
    for name in densing.__all__:
        assert getattr(densing, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        densing.no_such_name  # noqa: B018


@pytest.mark.parametrize(("argv", "needle"), [
    (["nonsense"], "invalid choice: 'nonsense'"),
    (["density"], "--scores"),
    (["frame"], "ACTION"),
    (["frame", "fit", "--bootstrap", "many", "--out", "x.json"], "'many'"),
    (["density", "--scores", "s.csv", "--tokens", "lots"], "'lots'"),
    (["density", "--scores", "s.csv", "--wrong-flag"], "--wrong-flag"),
])
def test_usage_errors_are_one_line(run_cli, argv, needle):
    res = run_cli(argv)
    assert res.code == 2
    assert len(res.err_lines) == 1, res.err
    assert "usage:" not in res.err and needle in res.err_lines[0]
    assert res.err_lines[0].startswith("densing")


@pytest.mark.parametrize("group", ["leaderboard", "plot"])
def test_group_without_action_prints_its_help(run_cli, group):
    res = run_cli([group])
    assert res.code == 2
    assert f"usage: densing {group}" in res.out


def test_help_and_version_exit_zero(run_cli):
    res = run_cli(["--version"])
    assert res.code == 0 and res.out.strip() == f"densing {densing.__version__}"
    res = run_cli(["density", "--help"])
    assert res.code == 0 and "--per-model" in res.out


def test_negative_scientific_numbers_are_values(run_cli, tmp_path):
    # argparse alone reads -1e12 as an unknown option ("expected one argument")
    res = run_cli(["density", "--scores", str(tmp_path / "s.csv"), "--tokens", "-1e12"])
    assert res.code == 2
    assert "expected one argument" not in res.err
    assert "--tokens=-1e+12" in res.err_lines[0]


def _mixed_convention_inputs(tmp_path):
    scores = tmp_path / "s.csv"
    scores.write_text("model,benchmark,protocol,score\nmine,hellaswag,rc-5shot,0.62\n")
    models = tmp_path / "m.csv"
    models.write_text("model,n_params,n_params_nonembedding,release_date\n"
                      "mine,1.2e9,1.0e9,2025-01-15\n")
    return ["density", "--scores", str(scores), "--models", str(models),
            "--param-count", "total"]


def test_warnings_print_as_one_paragraph(run_cli, tmp_path):
    # the frame counts non-embedding parameters, the targets total: densing warns
    res = run_cli(_mixed_convention_inputs(tmp_path))
    assert res.code == 0
    warn = [ln for ln in res.err_lines if ln.startswith("warning: ")]
    assert len(warn) == 1 and "non_embedding" in res.err
    # wrapped to the terminal: continuation lines indented; no source line, no category,
    # no file name
    assert all(ln.startswith(("warning: ", "  ")) for ln in res.err_lines), res.err
    assert max(len(ln) for ln in res.err_lines) <= 100
    assert "mine" in res.out


def test_quiet_silences_warnings(run_cli, tmp_path):
    res = run_cli([*_mixed_convention_inputs(tmp_path), "--quiet"])
    assert res.code == 0 and res.err == ""
    assert "mine" in res.out


def test_main_restores_warning_handling(run_cli, tmp_path):
    import warnings

    before = warnings.showwarning
    filters = list(warnings.filters)
    run_cli([*_mixed_convention_inputs(tmp_path), "--quiet"])
    assert warnings.showwarning is before
    assert warnings.filters == filters


@pytest.mark.parametrize("argv", [["--help"], []])
def test_help_does_not_look_up_the_version(argv):
    code = ("import sys\nfrom densing.cli import main\n"
            f"main({argv!r})\n"
            "print('META', 'importlib.metadata' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "META False"
