"""scripts/readme_tables.py: the result tables of the README and docs pages agree with the
code, and the check catches a changed number (the full rebuild is marked slow)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _readme_tables_helpers import DOCS, README, ROOT, SENSITIVITY_BLOCKS, rt
from _readme_tables_helpers import committed as _committed

DATA = ROOT / "src" / "densing" / "data"


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    """Every table, built once from the current code (minutes: the reproduction, the
    sensitivity and four held-out refits; only the slow tests use it)."""
    out: dict[str, str] = rt.build_all(names=[n for n in rt.BUILDERS
                                              if n not in SENSITIVITY_BLOCKS])
    return out


def _change_one_number(body: str, rng: np.random.Generator) -> tuple[str, str]:
    """``body`` with one number of a table row (not the header; a decimal one where there is
    one) changed by two units in its last digit; returns the new body and the number."""
    lines = body.split("\n")
    rows = [(i, line) for i, line in enumerate(lines) if i >= 2 or not line.startswith("|")]
    candidates = [(i, m) for i, line in rows for m in re.finditer(r"[0-9]+\.[0-9]+", line)]
    if not candidates:  # a table of counts: change a whole number
        whole = re.compile(r"(?<![0-9,.])[0-9]+(?![0-9,.])")
        candidates = [(i, m) for i, line in rows for m in whole.finditer(line)]
    assert candidates, "no number to change"
    i, m = candidates[int(rng.integers(len(candidates)))]
    tok = m.group(0)
    digits = len(tok.split(".")[1]) if "." in tok else 0
    new = f"{float(tok) + 2 * 10.0 ** -digits:.{digits}f}"
    lines[i] = lines[i][:m.start()] + new + lines[i][m.end():]
    return "\n".join(lines), tok


@pytest.mark.slow
def test_committed_documents_agree_with_the_code(blocks: dict[str, str]) -> None:
    """The full rebuild, as ``scripts/readme_tables.py --check`` (CI runs it here, in the slow
    run, once), less the sensitivity blocks (tests/test_readme_tables_sensitivity.py)."""
    texts = {p: p.read_text(encoding="utf-8") for p in rt.documents(README, DOCS)}
    assert set(_committed()) == set(rt.BUILDERS)
    cv = rt.cv_table(DOCS / "frame_selection.json")
    assert rt.check_documents(texts, blocks, cv) == []


def test_every_builder_has_one_committed_block() -> None:
    assert set(_committed()) == set(rt.BUILDERS)


@pytest.mark.parametrize("name", list(rt.BUILDERS))
def test_check_fails_on_one_changed_number(name: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The machinery on a tiny README and docs folder: the block moved to a docs page is
    found there, one changed number is caught and named, and rewriting restores it."""
    committed = _committed()
    rng = np.random.default_rng(sorted(rt.BUILDERS).index(name))
    body, tok = _change_one_number(committed[name], rng)
    readme, docs = tmp_path / "README.md", tmp_path / "docs"
    docs.mkdir()
    readme.write_text("# front page\n\nno tables here\n", encoding="utf-8")
    good = rt.replace_blocks(f"# page\n\n<!-- readme_tables:{name} -->\nx\n"
                             f"<!-- /readme_tables:{name} -->\n", {name: committed[name]})
    changed = rt.replace_blocks(good, {name: body})
    assert changed != good
    page = docs / "page.md"
    page.write_text(changed, encoding="utf-8")
    generated = {name: committed[name]}
    problems = rt.check_documents({readme: readme.read_text(), page: changed}, generated)
    assert len(problems) == 1
    assert problems[0].startswith("page.md: ")
    assert f"table '{name}'" in problems[0] and f"{tok} from the code" in problems[0]
    # the command line: exit 1, the page untouched, the table named on stderr
    monkeypatch.setattr(rt, "build_all", lambda res=None, names=None: dict(generated))
    args = ["--readme", str(readme), "--docs", str(docs)]
    assert rt.main(["--check", *args]) == 1
    assert f"table '{name}'" in capsys.readouterr().err
    assert page.read_text(encoding="utf-8") == changed
    # rewriting restores the generated table, after which the check passes
    assert rt.main(args) == 0
    assert page.read_text(encoding="utf-8") == good
    assert rt.main(["--check", *args]) == 0
    # a block in no document is reported, naming the documents searched
    page.write_text("# page\n", encoding="utf-8")
    assert rt.main(["--check", *args]) == 1
    assert "no <!-- readme_tables:" in capsys.readouterr().err


def test_cv_block_checked_wherever_it_is(tmp_path: Path) -> None:
    cv = rt.cv_table(DOCS / "frame_selection.json")
    # independent: the table the script wrote next to its JSON starts with the same rows
    written = (DOCS / "frame_selection.md").read_text(encoding="utf-8")
    assert written.startswith(cv.split("\n")[0]) and cv.split("\n")[2] in written
    page = tmp_path / "frame.md"
    text = f"<!-- select_frame_settings:cv -->\n{cv}\n<!-- /select_frame_settings:cv -->\n"
    assert rt.check_documents({page: text}, {}, cv) == []
    body, tok = _change_one_number(cv, np.random.default_rng(0))
    bad = text.replace(cv, body)
    problems = rt.check_documents({page: bad}, {}, cv)
    assert len(problems) == 1 and tok in problems[0] and problems[0].startswith("frame.md: ")


def test_numbers_compared_at_the_readmes_precision() -> None:
    assert rt.compare_blocks("t", "| a | 0.30 |", "| a | 0.3 |") is None
    assert rt.compare_blocks("t", "| a | 5.8 |", "| a | 5.84 |") is None
    assert rt.compare_blocks("t", "| a | 5.8 |", "| a | 5.86 |") is not None
    assert rt.compare_blocks("t", "| a | 1,842 |", "| a | 1842 |") is None
    why = rt.compare_blocks("t", "| x | y |\n|---|---|\n| a | 5.8 |\n| b | 2.4 – 4.6 |",
                            "| x | y |\n|---|---|\n| a | 5.8 |\n| b | 2.4 – 4.7 |")
    assert why is not None and "line 4" in why and "column 'y'" in why and "('b')" in why
    # text cells exactly
    assert "text differs" in str(rt.compare_blocks("t", "| no |", "| yes |"))
    assert rt.compare_blocks("t", "a\nb", "a") is not None


def test_data_table_against_the_csvs_read_directly() -> None:
    models = pd.read_csv(DATA / "models.csv")
    scores = pd.read_csv(DATA / "scores.csv")
    paper = pd.read_csv(DATA / "paper_models.csv")
    obs = models[models["in_obsscaling"].astype(str).str.lower() == "true"]
    llv1 = scores[scores["protocol"].str.startswith("llv1:")]
    body = rt.build_all(names=["data"])["data"]
    assert f"{len(models)} open base models" in body
    assert f"{len(obs)} of ObsScaling ({obs['release_date'].notna().sum()} dated)" in body
    assert f"{models['n_params_nonembedding'].notna().sum()} with non-embedding" in body
    assert f"{len(scores):,} scores under {scores['protocol'].nunique()} protocols" in body
    assert f"{len(llv1)} Open LLM Leaderboard v1 scores" in body
    assert f"{len(paper)} models of the densing paper" in body
