"""Shared test setup: the MNIST copy to use, and the package imported before torch."""

from pathlib import Path

import intriguing  # noqa: F401  (pins the CPU code path before torch loads)
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The MNIST folder the test run was pointed at (INTRIGUING_DATA, set by tools/run_tests.sh)."""
    from intriguing.data import data_root

    root = data_root()
    if not (root / "MNIST" / "raw").is_dir():
        pytest.fail(f"no MNIST under {root}: set INTRIGUING_DATA to a folder holding MNIST/raw/ "
                    "(tools/run_tests.sh points it at ../shared/data when that exists)")
    return root


@pytest.fixture(scope="session")
def mnist(mnist_root):
    from intriguing.data import load_mnist

    return load_mnist(mnist_root, download_if_missing=False)


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """A private, empty cache folder for tests that train or store entries."""
    monkeypatch.setenv("INTRIGUING_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"
