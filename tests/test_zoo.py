import re

import pytest
import torch

from intriguing import zoo
from intriguing.training import AutoencoderConfig, TrainConfig


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


@pytest.mark.parametrize("config, field, message", [
    (TrainConfig, {"epochs": 2.0}, "TrainConfig.epochs must be a positive integer, got 2.0"),
    (TrainConfig, {"lr": 0}, "TrainConfig.lr must be a positive finite number, got 0"),
    (TrainConfig, {"momentum": 1.0}, "TrainConfig.momentum must be a finite number >= 0 and < 1, got 1.0"),
    (TrainConfig, {"seed": -1}, "TrainConfig.seed must be an integer >= 0, got -1"),
    (AutoencoderConfig, {"epochs": 0}, "AutoencoderConfig.epochs must be a positive integer, got 0"),
    (AutoencoderConfig, {"batch_size": True}, "AutoencoderConfig.batch_size must be a positive integer, got True"),
    (AutoencoderConfig, {"lr": -0.1}, "AutoencoderConfig.lr must be a positive finite number, got -0.1"),
    (AutoencoderConfig, {"momentum": 1}, "AutoencoderConfig.momentum must be a finite number >= 0 and < 1, got 1"),
    (AutoencoderConfig, {"sparsity": 0.0}, "AutoencoderConfig.sparsity must be a finite number > 0 and < 1, got 0.0"),
    (AutoencoderConfig, {"sparsity": 1.0}, "AutoencoderConfig.sparsity must be a finite number > 0 and < 1"),
    (AutoencoderConfig, {"sparsity_weight": -1.0}, "AutoencoderConfig.sparsity_weight must be a finite number >= 0"),
    (AutoencoderConfig, {"weight_decay": float("nan")}, "AutoencoderConfig.weight_decay must be a finite number >= 0"),
    (AutoencoderConfig, {"seed": "0"}, "AutoencoderConfig.seed must be an integer >= 0, got '0'"),
])
def test_bad_training_settings_are_refused(config, field, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        config(**field)


def test_edge_training_settings_are_accepted():
    TrainConfig(momentum=0, seed=0, lr_decay=1.5)
    AutoencoderConfig(momentum=0.0, sparsity_weight=0, weight_decay=0.0, seed=0, sparsity=0.999)
