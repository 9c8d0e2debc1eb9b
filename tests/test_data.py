import functools
import gzip
import http.server
import shutil
import threading

import pytest
import torch

from intriguing import data
from intriguing.data import RAW_FILES, MNISTFilesError, data_root, load_mnist, p1_p2_indices


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def mirrors(mnist_root, tmp_path_factory):
    """Three download mirrors on a loopback server, as MNIST's hosts serve it (``<file>.gz``):
    "good" has every file; "bad" has a train-labels file of the right size but wrong content and a
    t10k-labels file that is not gzip, nothing else; "missing" has nothing (HTTP 404)."""
    top = tmp_path_factory.mktemp("mirrors")
    for name in ("good", "bad", "missing"):
        (top / name).mkdir()
    for name in RAW_FILES:
        blob = (mnist_root / "MNIST" / "raw" / name).read_bytes()
        (top / "good" / f"{name}.gz").write_bytes(gzip.compress(blob, compresslevel=1))
    (top / "bad" / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(60008)))
    (top / "bad" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(top)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield {name: f"{base}/{name}/" for name in ("good", "bad", "missing")}
    httpd.shutdown()
    httpd.server_close()


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


def test_missing_file_is_downloaded_and_present_files_are_kept(mnist_root, tmp_path, mirrors, monkeypatch):
    raw = _copy_tree(mnist_root, tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    monkeypatch.setattr(data, "MIRRORS", (mirrors["bad"], mirrors["good"]))
    got = load_mnist(tmp_path)  # the bad mirror serves a file that is not gzip: the good one is used
    assert sorted(p.name for p in raw.iterdir()) == sorted(RAW_FILES)  # no temporary file left over
    assert all((raw / name).is_symlink() for name in RAW_FILES if "images" in name)  # not re-downloaded
    assert not (raw / "t10k-labels-idx1-ubyte").is_symlink()
    reference = load_mnist(mnist_root, download_if_missing=False)
    assert torch.equal(got.test_y, reference.test_y) and torch.equal(got.train_x, reference.train_x)


def test_download_fills_an_empty_folder_from_the_first_intact_mirror(mnist_root, tmp_path, mirrors, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", (mirrors["missing"], mirrors["bad"], mirrors["good"]))
    got = load_mnist(tmp_path / "fresh")
    raw = tmp_path / "fresh" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(RAW_FILES)
    assert got.fingerprint == load_mnist(mnist_root, download_if_missing=False).fingerprint
    assert torch.equal(got.train_y, load_mnist(mnist_root, download_if_missing=False).train_y)


def test_failed_download_says_why_for_each_mirror_and_writes_nothing(tmp_path, mirrors, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", (mirrors["missing"], mirrors["bad"]))
    with pytest.raises(MNISTFilesError) as info:
        load_mnist(tmp_path / "fresh")
    message = str(info.value)
    assert "train-images-idx3-ubyte is not in" in message and "HTTP Error 404" in message
    assert message.count("train-images-idx3-ubyte.gz:") == 2 and "INTRIGUING_DATA" in message
    assert not (tmp_path / "fresh" / "MNIST" / "raw").exists() or not any((tmp_path / "fresh").rglob("*-ubyte*"))


def test_a_copy_with_the_wrong_content_is_rejected(mnist_root, tmp_path, mirrors, monkeypatch):
    raw = _copy_tree(mnist_root, tmp_path)
    (raw / "train-labels-idx1-ubyte").unlink()
    monkeypatch.setattr(data, "MIRRORS", (mirrors["bad"],))  # right size, wrong md5
    with pytest.raises(MNISTFilesError, match=r"train-labels-idx1-ubyte.gz: wrong content \(60008 bytes, md5"):
        load_mnist(tmp_path)
    assert sorted(p.name for p in raw.iterdir()) == sorted(set(RAW_FILES) - {"train-labels-idx1-ubyte"})


def test_present_corrupt_file_is_never_overwritten_by_a_download(mnist_root, tmp_path, mirrors, monkeypatch):
    raw = _copy_tree(mnist_root, tmp_path)
    path = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF
    path.write_bytes(bytes(blob))
    monkeypatch.setattr(data, "MIRRORS", (mirrors["good"],))
    with pytest.raises(MNISTFilesError, match="is corrupt \\(md5"):
        load_mnist(tmp_path)
    assert path.read_bytes() == bytes(blob)


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
