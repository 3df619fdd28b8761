"""The README's Python quickstart runs as written (as its Rust one runs as a doc test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks(markdown: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a markdown text."""
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def test_readme_has_a_python_quickstart() -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "no ```python block in README.md"
    assert any("import craic" in b for b in blocks)


@pytest.mark.parametrize("index", range(len(python_blocks(README.read_text(encoding="utf-8")))))
def test_readme_python_block_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    code = python_blocks(README.read_text(encoding="utf-8"))[index]
    exec(compile(code, f"README.md python block {index}", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out, "the quickstart prints its recommendations"
