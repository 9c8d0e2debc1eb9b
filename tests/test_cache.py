import os
import subprocess
import sys
import textwrap

import pytest
import torch

from intriguing import cache


def test_round_trip_and_key_mismatch(isolated_cache):
    key = {"model": "x", "seed": 1}
    calls = []
    compute = lambda: calls.append(1) or {"w": torch.arange(3.0)}  # noqa: E731
    first = cache.load_or_compute("t", key, compute)
    second = cache.load_or_compute("t", key, compute)
    assert len(calls) == 1 and first["w"].equal(second["w"])
    cache.load_or_compute("t", {"model": "x", "seed": 2}, compute)
    assert len(calls) == 2  # another key is another entry
    # a file filed under the wrong name (copied by hand) is not trusted
    os.replace(cache.entry_path("t", {"model": "x", "seed": 2}), cache.entry_path("t", key))
    with pytest.warns(UserWarning, match="does not hold the key"):
        cache.load_or_compute("t", key, compute)
    assert len(calls) == 3


def test_truncated_entry_is_recomputed(isolated_cache):
    key = {"k": 1}
    cache.store_entry("t", key, {"w": torch.ones(1000)})
    path = cache.entry_path("t", key)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.warns(UserWarning, match="unreadable"):
        assert cache.load_entry("t", key) is None


def test_interrupted_write_leaves_no_entry(isolated_cache):
    """Kill a process in the middle of writing a large entry: nothing is read back as valid."""
    script = textwrap.dedent("""
        import os, signal, torch
        import intriguing.cache as cache
        real_fsync = os.fsync
        def die(fd):  # the payload is written but not yet renamed into place
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = die
        cache.store_entry("t", {"k": 2}, {"w": torch.ones(1_000_000)})
    """)
    env = dict(os.environ, INTRIGUING_CACHE=str(isolated_cache))
    proc = subprocess.run([sys.executable, "-c", script], env=env)
    assert proc.returncode != 0
    assert cache.load_entry("t", {"k": 2}) is None
    assert not cache.entry_path("t", {"k": 2}).exists()
    leftovers = list((isolated_cache / "t").glob("*.tmp"))
    assert leftovers  # the partial file exists, but only under a temporary name


def test_key_must_be_plain_data():
    with pytest.raises(TypeError, match="plain JSON"):
        cache.key_digest({"x": object()})


def test_atomic_write_replaces_whole_files_and_leaves_nothing_on_failure(tmp_path):
    from intriguing._atomic import atomic_write

    path = tmp_path / "sub" / "f.bin"
    assert atomic_write(path, b"old") == path and path.read_bytes() == b"old"  # the folder is made
    atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new"

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, fail)
    assert path.read_bytes() == b"new" and sorted(p.name for p in path.parent.iterdir()) == ["f.bin"]


def test_model_key_holds_everything_that_affects_weights(mnist):
    from intriguing import data, models

    key = cache.model_key({"spec": {"arch": "mlp"}}, mnist, torch.device("cpu"), data, models)
    assert key == {"spec": {"arch": "mlp"}, "data": mnist.fingerprint, "split_seed": data.SPLIT_SEED,
                   "device": "cpu", "torch": torch.__version__.split("+")[0],
                   "code": cache.code_version(data, models)}
    assert key != cache.model_key({"spec": {"arch": "mlp"}}, mnist, torch.device("cuda"), data, models)
    assert key != cache.model_key({"spec": {"arch": "mlp"}}, mnist, torch.device("cpu"), data)


def test_concurrent_processes_compute_an_entry_once(tmp_path):
    """Two processes asking for the same entry at once: one computes, the other waits and reads it.

    Each process records that it ran ``compute`` and sleeps inside it, so without the lock both
    would compute; the entry read back by both is the same, and it is whole.
    """
    script = textwrap.dedent(f"""
        import os, sys, time, torch
        from pathlib import Path
        from intriguing import cache
        def compute():
            with open({str(tmp_path / 'computed')!r}, "a") as f:
                f.write(str(os.getpid()) + "\\n")
            time.sleep(1.5)
            return {{"w": torch.arange(100_000.0)}}
        out = cache.load_or_compute("t", {{"k": 1}}, compute)
        print(float(out["w"].sum()))
    """)
    env = {**os.environ, "INTRIGUING_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] == str(float(torch.arange(100_000.0).sum()))
    assert len((tmp_path / "computed").read_text().split()) == 1  # computed by one process only
