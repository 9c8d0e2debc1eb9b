import pytest
import torch

from intriguing import models


@pytest.mark.parametrize(
    "arch, sizes, n_params, hidden",
    [
        ("mlp", (784, 10), 7_850, []),
        ("mlp", (784, 100, 100, 10), 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10, ["fc1", "fc2"]),
        ("mlp", (784, 200, 200, 10), 784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10, ["fc1", "fc2"]),
        ("mlp", (784, 123, 456, 10), 784 * 123 + 123 + 123 * 456 + 456 + 456 * 10 + 10, ["fc1", "fc2"]),
        ("ae-softmax", (784, 400, 10), 784 * 400 + 400 + 400 * 784 + 784 + 400 * 10 + 10, ["ae"]),
        ("cnn", (), 16 * 25 + 16 + 32 * 16 * 25 + 32 + 512 * 100 + 100 + 100 * 10 + 10, ["conv1", "conv2", "fc1"]),
    ],
)
def test_shapes_and_parameter_counts(arch, sizes, n_params, hidden):
    model = models.build(arch, sizes)
    x = torch.rand(5, 784)
    assert model(x).shape == (5, 10)
    assert models.parameter_count(model) == n_params
    assert list(model.hidden(x)) == hidden
    assert torch.allclose(model.as_sequential()(x), model(x), atol=1e-6)


def test_weight_decay_divides_by_layer_width():
    model = models.build("mlp", (784, 100, 10))
    with torch.no_grad():
        for layer in model.weight_layers():
            layer.weight.fill_(1.0)
    got = models.weight_decay_penalty(model, (1.0, 2.0))
    assert float(got.detach()) == pytest.approx(784 * 100 / 100 + 2.0 * 100 * 10 / 10)
    with pytest.raises(ValueError, match="2 weight layers"):
        models.weight_decay_penalty(model, (1.0,))


def test_bad_architecture():
    with pytest.raises(ValueError, match="unknown architecture"):
        models.build("resnet")
    with pytest.raises(ValueError, match="positive widths"):
        models.build("mlp", (784, -5, 10))


def test_restore_rebuilds_a_frozen_eval_model_with_the_same_weights():
    trained = models.build("mlp", (784, 20, 10))
    state = {k: v.clone() for k, v in trained.state_dict().items()}
    again = models.restore("mlp", (784, 20, 10), state, "cpu")
    assert not again.training and not any(p.requires_grad for p in again.parameters())
    assert all(torch.equal(a, b) for a, b in zip(trained.state_dict().values(), again.state_dict().values()))
    with pytest.raises(RuntimeError, match="size mismatch"):
        models.restore("mlp", (784, 30, 10), state, "cpu")
