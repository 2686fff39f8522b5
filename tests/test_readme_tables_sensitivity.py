"""The sensitivity half of the full README-table rebuild (slow): ``densing.sensitivity()``'s
blocks agree with the committed README and docs pages, and its default row is the headline of
the committed reproduce table. The other half is tests/test_readme_tables.py."""

from __future__ import annotations

import pytest
from _readme_tables_helpers import DOCS, README, SENSITIVITY_BLOCKS, committed, rt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    out: dict[str, str] = rt.build_all(names=list(SENSITIVITY_BLOCKS))
    return out


def test_sensitivity_blocks_agree_with_the_code(blocks: dict[str, str]) -> None:
    texts = {p: p.read_text(encoding="utf-8") for p in rt.documents(README, DOCS)}
    assert rt.check_documents(texts, blocks) == []


def test_sensitivity_default_row_is_the_headline(blocks: dict[str, str]) -> None:
    # two computations (sensitivity's default variant here, reproduce() behind the committed
    # table, which tests/test_readme_tables.py checks against the code): the headline's
    # doubling time and interval must read the same in both tables
    head = committed()["reproduce"].split("\n")[2].split("|")
    sens = blocks["sensitivity"].split("\n")[2].split("|")
    assert head[4].strip().strip("*") == sens[2].strip()
    assert head[5].strip().replace("unbounded", "∞") == sens[3].strip()
