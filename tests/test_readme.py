"""The README's links lead to files in this repository (none to ``../shared``, none
to a file that is not there), and its anchors to headings that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _links(markdown: Path) -> list[str]:
    return LINK.findall(markdown.read_text(encoding="utf-8"))


def test_readme_links_point_to_files_in_the_repository() -> None:
    links = [link for link in _links(ROOT / "README.md") if "://" not in link]
    assert links, "the README links no file (has the link pattern changed?)"
    problems = []
    for link in links:
        target, _, anchor = link.partition("#")
        path = (ROOT / target).resolve() if target else ROOT / "README.md"
        if not path.is_relative_to(ROOT):
            problems.append(f"{link}: outside the repository")
        elif not path.exists():
            problems.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            if anchor not in {_anchor(heading) for heading in headings}:
                problems.append(f"{link}: no heading #{anchor} in {target}")
    assert not problems, "\n".join(problems)


def test_the_anchor_of_a_heading() -> None:
    assert _anchor("Playbooks: when-then rules") == "playbooks-when-then-rules"
