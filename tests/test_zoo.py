import pytest
import torch

from intriguing import zoo
from intriguing.training import TrainConfig


def test_every_paper_model_is_in_the_zoo():
    assert set(zoo.TABLE1 + zoo.TABLE3) <= set(zoo.ZOO)
    assert zoo.ZOO["FC200-200-10"].weight_decay == (1e-5, 1e-5, 1e-6)
    assert zoo.ZOO["FC100-100-10/P1"].train_set == "P1" and zoo.ZOO["FC100-100-10'/P2"].train_set == "P2"


def test_train_then_load_from_cache(mnist, isolated_cache):
    first = zoo.get_model("FC10(1e-2)", mnist=mnist, device="cpu", epochs=1)
    files = list((isolated_cache / "models").glob("*.pt"))
    assert len(files) == 1
    again = zoo.get_model("FC10(1e-2)", mnist=mnist, device="cpu", epochs=1)
    assert all(torch.equal(a, b) for a, b in zip(first.model.state_dict().values(), again.model.state_dict().values()))
    assert first.history == again.history
    assert not any(p.requires_grad for p in again.model.parameters())
    assert 5 < 100 * first.history["errors_test"][-1] / 10_000 < 20  # a softmax after one epoch
    zoo.get_model("FC10(1e-2)", mnist=mnist, device="cpu", epochs=2)
    assert len(list((isolated_cache / "models").glob("*.pt"))) == 2  # epochs are part of the key


def test_cache_key_covers_what_affects_weights(mnist):
    spec = zoo.ZOO["FC100-100-10"]
    base = zoo.cache_key(spec, mnist, torch.device("cpu"))
    assert base != zoo.cache_key(zoo.ZOO["FC100-100-10/P1"], mnist, torch.device("cpu"))
    assert base != zoo.cache_key(spec, mnist, torch.device("cuda"))
    assert {"spec", "data", "split_seed", "device", "torch", "code"} <= set(base)


@pytest.mark.parametrize("bad, message", [
    (["FC10(1e-4)", "FC300-10"], r"unknown model name\(s\) \['FC300-10'\]"),
    ([], "empty"),
])
def test_bad_model_names_stop_early(bad, message):
    with pytest.raises(ValueError, match=message):
        zoo.check_names(bad)


def test_bad_sizes_stop_early():
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        zoo.get_model("FC10(1)", epochs=-3)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        TrainConfig(batch_size=0)
