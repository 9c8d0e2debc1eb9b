import shutil

import pytest
import torch

from intriguing.data import RAW_FILES, MNISTFilesError, data_root, load_mnist, p1_p2_indices


def _copy_tree(mnist_root, tmp_path):
    """A writable MNIST folder: small label files copied, big image files symlinked."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in RAW_FILES:
        src = mnist_root / "MNIST" / "raw" / name
        if "labels" in name:
            shutil.copy(src, raw / name)
        else:
            (raw / name).symlink_to(src)
    return raw


def test_loads_checked_tensors(mnist):
    assert mnist.train_x.shape == (60_000, 784) and mnist.test_x.shape == (10_000, 784)
    assert mnist.train_x.dtype == torch.float32
    assert float(mnist.train_x.min()) == 0.0 and float(mnist.train_x.max()) == 1.0
    assert sorted(mnist.train_y.unique().tolist()) == list(range(10))
    assert mnist.test_y.bincount().tolist()[:3] == [980, 1135, 1032]  # MNIST's documented class counts


def test_missing_file_gives_clear_error(mnist_root, tmp_path):
    raw = _copy_tree(mnist_root, tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(MNISTFilesError, match=r"t10k-labels-idx1-ubyte is missing[\s\S]*INTRIGUING_DATA"):
        load_mnist(tmp_path, download_if_missing=False)


def test_missing_file_is_not_downloaded_over_a_partial_copy(mnist_root, tmp_path):
    raw = _copy_tree(mnist_root, tmp_path)
    (raw / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(MNISTFilesError, match="is missing"):
        load_mnist(tmp_path)  # download allowed, but only when nothing is there at all


def test_truncated_file_gives_clear_error(mnist_root, tmp_path):
    raw = _copy_tree(mnist_root, tmp_path)
    path = raw / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(MNISTFilesError, match=r"truncated or padded \(1000 bytes, expected 60008\)"):
        load_mnist(tmp_path, download_if_missing=False)


def test_corrupt_file_gives_md5_error(mnist_root, tmp_path):
    raw = _copy_tree(mnist_root, tmp_path)
    path = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(MNISTFilesError, match="is corrupt \\(md5"):
        load_mnist(tmp_path, download_if_missing=False)


def test_data_root_order(tmp_path, monkeypatch):
    monkeypatch.setenv("INTRIGUING_DATA", str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == (tmp_path / "arg").resolve()
    assert data_root() == (tmp_path / "env").resolve()
    monkeypatch.delenv("INTRIGUING_DATA")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "_toc.yml").write_text("root: intro\n")
    (tmp_path / "book" / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "book" / "chapters")
    assert data_root() == (tmp_path / "book" / "data").resolve()


def test_p1_p2_split_is_a_stable_disjoint_partition(mnist):
    p1, p2 = p1_p2_indices()
    assert len(p1) == len(p2) == 30_000
    assert torch.cat([p1, p2]).sort().values.equal(torch.arange(60_000))
    again = p1_p2_indices.__wrapped__()
    assert again[0].equal(p1) and again[1].equal(p2)
    other = p1_p2_indices.__wrapped__(seed=1)
    assert not other[0].equal(p1)
    counts = mnist.subset("P1")[1].bincount(minlength=10).float() / mnist.train_y.bincount().float()
    assert ((counts - 0.5).abs() < 0.03).all()  # each class split close to half and half


def test_unknown_subset(mnist):
    with pytest.raises(ValueError, match="unknown MNIST subset 'P3'"):
        mnist.subset("P3")
