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
    script = textwrap.dedent(f"""
        import os, signal, torch
        import intriguing.cache as cache
        real_fsync = os.fsync
        def die(fd):  # the payload is written but not yet renamed into place
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = die
        cache.store_entry("t", {{"k": 2}}, {{"w": torch.ones(1_000_000)}})
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
