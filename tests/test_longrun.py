"""Long runs (intriguing.longrun): committed files re-verified by their slice, worker-independent chunks."""

import json

import pytest
import torch

from intriguing import longrun


@pytest.mark.parametrize("name", sorted(longrun.LONG_RUNS))
def test_committed_long_run_matches_its_slice_bit_for_bit(name):
    """Every registered long run has its committed file, made with the book's parameters, and the
    declared slice recomputed now gives the committed digests (else: remake the run and commit it)."""
    record = longrun.load(name)
    assert set(record["slice"]) <= set(record["chunks"]) and record["slice"]
    assert len(record["chunks"]) == len(longrun.get(name).chunks(record["params"]))
    differ = longrun.verify(name)
    assert not differ, (f"chunks {differ} of {name} differ from the committed file: the code's results moved; "
                        f"run `python tools/longrun.py run {name}` and commit results/longrun/{name}.json")
    assert "computed at commit" in longrun.provenance(record)


def test_digest_sees_every_bit_name_and_dtype():
    t = {"a": torch.arange(5.0), "b": torch.tensor([True, False])}
    base = longrun.digest(t)
    flipped = t["a"].clone()
    flipped.view(torch.int32)[2] ^= 1  # one bit of one float
    assert longrun.digest({**t, "a": flipped}) != base
    assert longrun.digest({**t, "a": t["a"].double()}) != base
    assert longrun.digest({"c": t["a"], "b": t["b"]}) != base
    assert longrun.digest(dict(reversed(list(t.items())))) == base  # order of the keys does not matter


def test_one_and_two_workers_give_identical_chunks():
    """Chunks are independent: two worker processes give the bits one process gives."""
    run = longrun.get("table1_paper_scale")
    chunks = [("FC10(1e-4)", 0), ("FC10(1e-4)", 1000)]
    one = longrun.compute(run, chunks, workers=1)
    two = longrun.compute(run, chunks, workers=2)
    assert [longrun.digest(one[c]) for c in chunks] == [longrun.digest(two[c]) for c in chunks]
    assert bool(one[chunks[0]]["success"].all())


def test_bad_names_and_foreign_files_get_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(longrun.LongRunError, match="unknown long run 'nope'"):
        longrun.load("nope")
    monkeypatch.setattr(longrun, "folder", lambda: tmp_path)
    with pytest.raises(longrun.LongRunError, match="tools/longrun.py run table1_paper_scale"):
        longrun.load("table1_paper_scale")
    (tmp_path / "table1_paper_scale.json").write_text(json.dumps(
        {"format": longrun.FORMAT, "name": "table1_paper_scale", "params": {"n_images": 10}}))
    with pytest.raises(longrun.LongRunError, match="other parameters"):
        longrun.load("table1_paper_scale")
