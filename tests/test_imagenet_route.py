"""Tests of the ImageNet route (intriguing.imagenet_route, tools/imagenet_route.py) and of the one AlexNet loader.

Everything runs on stand-ins: untrained weights and generated images, with a tiny attack, so no
number here is a result. The pretrained weights are never downloaded (the network is mocked away).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import urllib.error
from pathlib import Path

import intriguing  # noqa: F401  (pins the CPU code path before torch)
import numpy as np
import pytest
import torch
from torch import nn

from intriguing import imagenet_route as R
from intriguing import paper
from intriguing.alexnet import AlexNetWeightsError, torchvision_alexnet
from intriguing.attacks import LBFGSConfig
from intriguing.imagenet import IMAGENET_MEAN, IMAGENET_STD, ImageNetSetupError
from intriguing.runtime import seeded

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--search-steps", "1", "--max-iter", "3", "--lanczos-rtol", "1e-3", "--image-size", "64", "--device", "cpu"]


def _write_images(folder: Path, n: int, seed: int, size=(80, 72)) -> None:
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / f"img_{i:02d}.png")


def _linear_net(size: int, seed: int = 0) -> nn.Module:
    """A 1000-class linear stand-in on [B, 3, S, S]: easy to push to any class."""
    with seeded(seed):
        net = nn.Sequential(nn.Flatten(), nn.Linear(3 * size * size, 1000))
    return net.eval().requires_grad_(False)


# ------------------------------------------------------------------ the command, end to end


def test_route_end_to_end_on_standins(tmp_path, capsys):
    _write_images(tmp_path / "images", 4, seed=0)
    out = tmp_path / "res" / "route.json"
    rc = R.main(["--weights", "standin", "--images", str(tmp_path / "images"), "--n", "3", "--out", str(out), *TINY])
    assert rc == 0
    res = json.loads(out.read_text())
    # stand-ins are labelled as such, everywhere a reader looks first
    assert res["standin"] is True and res["status"].startswith("STAND-IN")
    assert "UNTRAINED" in res["provenance"]["weights_description"]
    prov = res["provenance"]
    assert prov["weights"] == "standin" and prov["device"] == "cpu" and prov["n_images"] == 3
    assert prov["torch"] == torch.__version__ and prov["wall_s"] > 0
    assert prov["arguments"][:2] == ["--weights", "standin"]
    # Table 5: chapter 5's machinery on torchvision's architecture, beside the paper's rows
    t5 = res["table5"]
    assert [r["layer"] for r in t5["rows"]] == [p[0] for p in paper.TABLE5]
    assert [r["bound_paper"] for r in t5["rows"]] == [p[3] for p in paper.TABLE5]
    assert t5["rows"][0]["size"] == "3 × 11 × 11 × 64" and t5["rows"][0]["grid"] == [228, 228]
    for r in t5["rows"]:
        assert r["bound"] >= r["real_norm"] * (1 - 1e-3)  # the bound bounds the real layer
    assert t5["paper_product"] == pytest.approx(792_792)
    assert t5["product_conv_fc"] == pytest.approx(math.prod(r["bound"] for r in t5["rows"]))
    assert t5["product_with_pools"] == pytest.approx(t5["product_conv_fc"] * 2 ** 3)
    # Fig. 5: toward "ostrich", with the pixel scale stated beside the paper's number
    f5 = res["fig5"]
    assert f5["target"] == 9 and f5["target_name"] == "ostrich" and f5["n_attacked"] == 3
    assert f5["paper_mean_rms_distortion"] == 0.006508 and f5["paper_n"] == 64
    assert "[0, 1]" in f5["pixel_scale"] and f5["n_values"] == 3 * 64 * 64
    assert f5["attack_config"]["search_steps"] == 1 and len(f5["per_image"]) == 3
    assert {p["file"] for p in f5["per_image"]} <= {f"img_{i:02d}.png" for i in range(4)}
    printed = capsys.readouterr().out
    assert printed.startswith("STAND-IN") and "paper 792,792" in printed and "toward 'ostrich'" in printed


# ------------------------------------------------------------------ the attack and the model wrapper


def test_flat_model_normalises_inside():
    net = _linear_net(8)
    model = R.FlatImageNetModel(net, 8)
    x = torch.rand(2, 3 * 8 * 8)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    torch.testing.assert_close(model(x), net((x.view(2, 3, 8, 8) - mean) / std))


def test_attack_reaches_ostrich_and_reports_rms_on_unit_pixels(tmp_path):
    _write_images(tmp_path, 5, seed=1)
    res = R.ostrich_attack(_linear_net(32), tmp_path, n=3, image_size=32, seed=2,
                           config=LBFGSConfig(search_steps=3, max_iter=30), batch_size=2)
    assert res["n_attacked"] == 3 and res["n_success"] >= 1
    ok = [p for p in res["per_image"] if p["success"]]
    assert res["mean_rms_distortion"] == pytest.approx(float(np.mean([p["rms"] for p in ok])))
    for p in ok:  # RMS over all 3·S·S colour values in [0, 1]
        assert p["rms"] == pytest.approx(p["l2"] / math.sqrt(3 * 32 * 32), rel=1e-5)
    # the images are chosen at random (seeded), not in folder order
    again = R.ostrich_attack(_linear_net(32), tmp_path, n=3, image_size=32, seed=2,
                             config=LBFGSConfig(search_steps=1, max_iter=2))
    assert [p["file"] for p in again["per_image"]] == [p["file"] for p in res["per_image"]]


def test_class_folders_keep_only_correct_predictions(tmp_path):
    cats = R._categories()
    assert R._imagenet_label("0", cats) == 0 and R._imagenet_label("ostrich", cats) == 9
    assert R._imagenet_label("n03888257", cats) == 701 and R._imagenet_label("holiday", cats) is None
    # a stand-in that says "magpie" (18) for every image
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 1000))
    with torch.no_grad():
        net[1].weight.zero_()
        net[1].bias.zero_()
        net[1].bias[18] = 5.0
    net.eval()
    _write_images(tmp_path / "magpie", 2, seed=3)  # correctly classified: kept
    _write_images(tmp_path / "n01440764", 3, seed=4)  # tench, misclassified: skipped
    res = R.ostrich_attack(net, tmp_path, n=10, image_size=16, config=LBFGSConfig(search_steps=1, max_iter=2))
    assert res["n_attacked"] == 2 and res["skipped"] == {"already ostrich": 0, "wrongly classified": 3}
    assert all(p["file"].startswith("magpie") and p["imagenet_label"] == 18 for p in res["per_image"])
    with torch.no_grad():
        net[1].bias[9] = 10.0  # now everything is already "ostrich"
    with pytest.raises(ImageNetSetupError, match="none of the 5 images.*already 'ostrich'"):
        R.ostrich_attack(net, tmp_path, image_size=16)


# ------------------------------------------------------------------ bad input: clear errors, exit status 2


def _offline(*args, **kwargs):
    raise urllib.error.URLError("no network")


def test_command_errors_say_what_to_do(tmp_path, monkeypatch, capsys):
    out = str(tmp_path / "x.json")
    cases = [
        (["--weights", "standin", "--images", str(tmp_path / "missing")], "does not exist"),
        (["--weights", "standin", "--n", "0", "--images", str(tmp_path)], "--n must be a positive"),
        (["--weights", "standin", "--images", str(tmp_path)], "no images"),
        (["--weights", "torchvision", "--weights-path", str(tmp_path / "nope.pth")], "nope.pth does not exist"),
        (["--weights", "standin", "--skip-table5"], "nothing to do"),
    ]
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", _offline)
    cases.append((["--weights", "torchvision"], r"(?s)could not be loaded.*Colab.*alexnet-owt-7be5be79.*weights_path"))
    for argv, message in cases:
        assert R.main([*argv, "--out", out, *TINY]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and re.search(message, err), (argv, err)
    assert not Path(out).exists()


def test_tools_entry_runs_the_same_command(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "imagenet_route.py"), "--weights", "standin",
                           "--images", str(tmp_path / "missing"), "--out", str(tmp_path / "x.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2 and "error: " in proc.stderr and "does not exist" in proc.stderr


# ------------------------------------------------------------------ the one AlexNet loader (intriguing.alexnet)


def test_alexnet_loader_reads_a_local_file_and_freezes(tmp_path):
    with seeded(1):
        ref = torchvision_alexnet(pretrained=False, device="cpu")
    assert not ref.training and not any(p.requires_grad for p in ref.parameters())
    torch.save(ref.state_dict(), tmp_path / "alexnet-owt-7be5be79.pth")
    got = torchvision_alexnet(weights_path=tmp_path / "alexnet-owt-7be5be79.pth", device="cpu")
    assert all(torch.equal(a, b) for a, b in zip(ref.state_dict().values(), got.state_dict().values()))


def test_alexnet_loader_errors_say_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", _offline)
    with pytest.raises(AlexNetWeightsError, match=r"(?s)could not be loaded.*Colab.*alexnet-owt.*weights_path"):
        torchvision_alexnet(device="cpu")
    with pytest.raises(AlexNetWeightsError, match="does not exist"):
        torchvision_alexnet(weights_path=tmp_path / "nope.pth", device="cpu")
    (tmp_path / "broken.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(AlexNetWeightsError, match="cannot read"):
        torchvision_alexnet(weights_path=tmp_path / "broken.pth", device="cpu")
    torch.save({"foo": torch.zeros(1)}, tmp_path / "wrong.pth")
    with pytest.raises(AlexNetWeightsError, match="do not fit"):
        torchvision_alexnet(weights_path=tmp_path / "wrong.pth", device="cpu")
    assert issubclass(AlexNetWeightsError, RuntimeError)  # load_alexnet's fallback catches it
