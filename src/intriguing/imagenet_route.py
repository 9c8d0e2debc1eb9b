"""The ImageNet half of the paper on Colab: Table 5 on a trained AlexNet, and Fig. 5's "ostrich" attack.

The book builds on a CPU without ImageNet or model downloads, so these two results are a route a
reader runs where torchvision's pretrained AlexNet can be downloaded (Colab), writing one JSON
file (``python -m intriguing.imagenet_route``, or ``tools/imagenet_route.py``; README, "The
ImageNet half (Colab)"):

* :func:`table5`: the per-layer operator norms of an AlexNet and their product, with chapter 5's
  exact machinery (eq. 2 on the smallest safe grid for each conv, the FC norm, Lanczos on the
  real zero-padded conv), beside the paper's Table 5. It needs weights only, no images.
  torchvision's AlexNet has 64-192-384-256-256 conv maps, not the paper's 96-256-384-384-256,
  so its rows line up with the paper's only by position.
* :func:`ostrich_attack`: the batched box-constrained L-BFGS attack of chapter 3
  (:func:`intriguing.attacks.lbfgs_attack`) toward class 9, "ostrich", on randomly chosen images
  of a folder, and their average RMS distortion beside the paper's 0.006508 over 64 examples.

Pixel scale: the paper does not state the scale of 0.006508. We measure on the 224 x 224 centre
crop with pixels in [0, 1], before ImageNet normalisation, as ``sqrt(Σ r² / n)`` over all
``n = 3 · 224 · 224 = 150,528`` colour values (the MNIST tables' measure, with colour values as
pixels). On [0, 255] pixels the same perturbation would read 255 times larger; on normalised
inputs about 4.4 times larger (1 / ImageNet's channel std).

``weights="standin"`` (torchvision's untrained initialisation, seeded) lets the tests run the
whole route here; every number it gives is labelled a stand-in and is no result.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

import intriguing
from intriguing import _checks, lipschitz, paper
from intriguing._compat import import_torchvision
from intriguing.alexnet import ALEXNET_URL, TORCHVISION_INPUT_SIZE, AlexNetWeightsError, torchvision_alexnet
from intriguing.attacks import LBFGSConfig, lbfgs_attack
from intriguing.imagenet import IMAGENET_MEAN, IMAGENET_STD, ImageNetSetupError, ImageSet, list_images
from intriguing.runtime import pick_device, seeded

__all__ = [
    "OSTRICH", "PAPER_FIG5_DISTORTION", "PAPER_FIG5_N", "PIXEL_SCALE", "WEIGHTS",
    "FlatImageNetModel", "Table5", "table5", "ostrich_attack", "load_weights", "run", "main",
]

#: ImageNet class index of "ostrich, Struthio camelus", the target of every example of Fig. 5.
OSTRICH = 9
#: Fig. 5's caption: "Average distortion based on 64 examples is 0.006508" (pixel scale not stated).
PAPER_FIG5_DISTORTION = paper.FIG5["distortion"]
PAPER_FIG5_N = paper.FIG5["examples"]
#: How our distortion is measured (written into the JSON beside the number).
PIXEL_SCALE = (
    "RMS sqrt(sum r^2 / n) over all n = 3*S*S colour values of the S x S centre crop (S = image_size, 224), "
    "pixels in [0, 1] before ImageNet normalisation. The paper does not state the scale of its 0.006508; "
    "this assumes the MNIST tables' measure on [0, 1] pixels ([0, 255] pixels would give 255 times larger "
    "values, normalised inputs about 4.4 times larger)."
)
#: The weights the route can use: torchvision's pretrained AlexNet, or its untrained stand-in.
WEIGHTS = ("torchvision", "standin")
#: Imagenette's class folders (a public 10-class ImageNet subset) and their ImageNet class indices.
_IMAGENETTE = {
    "n01440764": 0, "n02102040": 217, "n02979186": 482, "n03000684": 491, "n03028079": 497,
    "n03394916": 566, "n03417042": 569, "n03425413": 571, "n03445777": 574, "n03888257": 701,
}


class FlatImageNetModel(nn.Module):
    """An ImageNet classifier seen as the attack engine sees a model: ``[B, 3·S·S]`` pixels in [0, 1] -> logits.

    Reshapes to ``[B, 3, S, S]`` and applies ImageNet's mean/std normalisation inside, so the
    attack's box [0, 1] and its distortion are in pixel units. Explained in chapter 3,
    "Box-constrained L-BFGS adversaries" (the engine) and in :mod:`intriguing.imagenet_route`.
    """

    def __init__(self, net: nn.Module, image_size: int = TORCHVISION_INPUT_SIZE):
        super().__init__()
        self.net = net
        self.image_size = _checks.positive_int("FlatImageNetModel", "image_size", image_size)
        p = next(net.parameters())
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN, dtype=p.dtype, device=p.device).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD, dtype=p.dtype, device=p.device).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.image_size
        return self.net((x.view(-1, 3, s, s) - self.mean) / self.std)


# --------------------------------------------------------------------------------------------
# Table 5: weights only
# --------------------------------------------------------------------------------------------


@dataclass
class Table5:
    """Per-layer norms of an AlexNet beside the paper's Table 5, and the products.

    ``rows`` pair the paper's eight layers with ours by position. ``product_conv_fc`` is what
    Table 5 implies (conv and FC layers only); ``product_with_pools`` also has the exact factor 2
    of each overlapping max pool; ``paper_product`` is the product of the paper's rows (792,792).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """

    rows: list[dict]
    product_conv_fc: float
    product_with_pools: float
    paper_product: float
    input_size: int
    lanczos_rtol: float
    left_out: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def table5(net: nn.Module, input_size: int = TORCHVISION_INPUT_SIZE, *, lanczos_rtol: float = 1e-5,
           max_iter: int = 500) -> Table5:
    """Chapter 5's Table 5 computation on any AlexNet with eight conv/linear layers.

    The bound of each layer is :func:`intriguing.lipschitz.network_lipschitz`'s (eq. 2 with the
    corrected 1/Δ on the smallest safe grid for a conv, the exact norm for a linear layer); the
    norm of the real zero-padded conv is Lanczos to relative residual ``lanczos_rtol`` (a linear
    layer's bound is its norm). Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _checks.positive_int("table5", "input_size", input_size)
    _checks.number("table5", "lanczos_rtol", lanczos_rtol, high=1e-3)
    alex = lipschitz.network_lipschitz(net, (3, input_size, input_size), power=False)
    modules = dict(net.named_modules())
    weight_rows = [r for r in alex.rows if r.kind in ("conv", "linear")]
    if len(weight_rows) != len(paper.TABLE5):
        raise ValueError(f"expected {len(paper.TABLE5)} conv and linear layers (an AlexNet), found {len(weight_rows)}")
    rows = []
    for (p_name, p_size, p_stride, p_bound), r in zip(paper.TABLE5, weight_rows):
        iterations = None
        if r.kind == "conv":
            m = modules[r.name]
            op = lipschitz.conv_operator(m.weight.detach(), m.stride, m.padding, dilation=m.dilation, groups=m.groups)
            est = lipschitz.lanczos_norm(op, r.input_shape, like=m.weight, rtol=lanczos_rtol, max_iter=max_iter)
            if not est.converged:
                raise RuntimeError(f"Lanczos did not reach rtol={lanczos_rtol} on {r.name}: raise max_iter")
            real, how, iterations = est.value, f"Lanczos, {est.iterations} steps", est.iterations
        else:
            real, how = r.bound, "SVD (Lanczos, float64)"
        rows.append({
            "layer": p_name, "size_paper": p_size, "stride_paper": p_stride, "bound_paper": p_bound,
            "our_layer": r.name, "size": r.size, "stride": r.stride, "input": list(r.input_shape),
            "grid": None if r.grid is None else list(r.grid),
            "fourier_bound": r.bound if r.kind == "conv" else None, "bound": r.bound,
            "real_norm": real, "how": how, "lanczos_iterations": iterations, "bound_over_real": r.bound / real,
        })
    with_pools = math.prod(r.bound for r in alex.rows if r.kind in ("conv", "linear", "maxpool"))
    return Table5(rows=rows, product_conv_fc=alex.product_weights_only, product_with_pools=with_pools,
                  paper_product=math.prod(b for *_, b in paper.TABLE5), input_size=int(input_size),
                  lanczos_rtol=float(lanczos_rtol), left_out=[r.name for r in alex.rows if r.flagged])


# --------------------------------------------------------------------------------------------
# Fig. 5: every image toward "ostrich"
# --------------------------------------------------------------------------------------------


def _categories() -> list[str]:
    """ImageNet's 1,000 class names in index order (shipped with torchvision: no download)."""
    return list(import_torchvision().models.AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def _imagenet_label(folder: str, categories: Sequence[str]) -> int | None:
    """The ImageNet index a class folder's name tells: an index 0-999, a class name or an Imagenette synset."""
    if folder.isdigit() and int(folder) < len(categories):
        return int(folder)
    if folder in _IMAGENETTE:
        return _IMAGENETTE[folder]
    return categories.index(folder) if folder in categories else None


def ostrich_attack(
    net: nn.Module, images: str | os.PathLike, *, n: int = PAPER_FIG5_N, image_size: int = TORCHVISION_INPUT_SIZE,
    seed: int = 0, config: LBFGSConfig | None = None, batch_size: int = 64,
) -> dict:
    """Fig. 5's experiment: ``n`` randomly chosen images of a folder, each attacked toward "ostrich".

    The images are the folder's (flat or one folder per class) in a seeded random order, with no
    other post-selection, as the paper's; an image is skipped only when the clean network already
    says "ostrich", or when its folder names its ImageNet class (:func:`_imagenet_label`: an
    index, a class name or an Imagenette synset) and the network gets it wrong (the paper's left
    column is "correctly predicted"). Each image is the 224 centre crop in [0, 1]
    (:meth:`intriguing.imagenet.ImageSet.display`), attacked by
    :func:`intriguing.attacks.lbfgs_attack` through :class:`FlatImageNetModel`. Returns a dict:
    the mean RMS distortion of the successful attacks (see :data:`PIXEL_SCALE`) beside the paper's,
    counts, and one record per image. Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    _checks.positive_int("ostrich_attack", "n", n)
    _checks.positive_int("ostrich_attack", "batch_size", batch_size)
    cfg = config or LBFGSConfig()
    data = ImageSet(images, image_size=image_size)
    model = FlatImageNetModel(net, image_size).eval()
    dev = next(net.parameters()).device
    categories = _categories()
    labels = [None if int(y) < 0 else _imagenet_label(data.classes[int(y)], categories) for y in data.labels]
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(int(seed))).tolist()
    chosen, skipped = [], {"already ostrich": 0, "wrongly classified": 0}
    for a in range(0, len(order), batch_size):
        part = order[a:a + batch_size]
        x = torch.stack([data.display(i).reshape(-1) for i in part]).to(dev)
        with torch.no_grad():
            logits = model(x)
        for i, xi, pred in zip(part, x, logits.argmax(1).tolist()):
            if pred == OSTRICH:
                skipped["already ostrich"] += 1
            elif labels[i] is not None and pred != labels[i]:
                skipped["wrongly classified"] += 1
            else:
                chosen.append((i, xi, pred))
        if len(chosen) >= n:
            break
    chosen = chosen[:n]
    if not chosen:
        raise ImageNetSetupError(
            f"none of the {len(data)} images in {images} can be attacked (already 'ostrich' or wrongly classified: "
            f"{skipped}): supply other images"
        )
    x = torch.stack([xi for _, xi, _ in chosen])
    target = torch.full((len(x),), OSTRICH, dtype=torch.long, device=dev)
    res = [lbfgs_attack(model, x[a:a + batch_size], target[a:a + batch_size], config=cfg)
           for a in range(0, len(x), batch_size)]
    success = torch.cat([r.success for r in res]).cpu()
    rms = torch.cat([r.distortion for r in res]).double().cpu()
    l2 = torch.cat([r.l2 for r in res]).double().cpu()
    evals = torch.cat([r.evaluations for r in res]).cpu()
    per_image = [{
        "file": str(data.paths[i].relative_to(data.root)),
        "imagenet_label": labels[i], "clean_prediction": pred, "clean_name": categories[pred],
        "success": bool(ok), "rms": float(d) if ok else None, "l2": float(e) if ok else None, "evaluations": int(k),
    } for (i, _, pred), ok, d, e, k in zip(chosen, success, rms, l2, evals)]
    mean = float(rms[success].mean()) if bool(success.any()) else None
    return {
        "target": OSTRICH, "target_name": categories[OSTRICH], "n_requested": int(n), "n_attacked": len(chosen),
        "n_success": int(success.sum()), "images_in_folder": len(data), "skipped": skipped,
        "labels_known": sum(labels[i] is not None for i, _, _ in chosen), "seed": int(seed),
        "image_size": int(image_size), "n_values": 3 * int(image_size) ** 2,
        "mean_rms_distortion": mean,
        "median_rms_distortion": float(rms[success].median()) if bool(success.any()) else None,
        "paper_mean_rms_distortion": PAPER_FIG5_DISTORTION, "paper_n": PAPER_FIG5_N,
        "pixel_scale": PIXEL_SCALE, "attack_config": cfg.asdict(), "per_image": per_image,
    }


# --------------------------------------------------------------------------------------------
# the route: weights, both results, one JSON with provenance
# --------------------------------------------------------------------------------------------


def load_weights(weights: str, *, weights_path: str | os.PathLike | None = None, device: torch.device,
                 seed: int = 0) -> tuple[nn.Module, str]:
    """torchvision's pretrained AlexNet (``"torchvision"``) or its seeded untrained stand-in, and a description."""
    _checks.one_of("", "weights", weights, WEIGHTS)
    if weights == "standin":
        with seeded(seed):
            net = torchvision_alexnet(pretrained=False, device=device)
        return net, f"STAND-IN: torchvision alexnet architecture, UNTRAINED (torchvision init, seed {seed})"
    net = torchvision_alexnet(weights_path=weights_path, device=device)
    where = f"file {Path(weights_path).expanduser()}" if weights_path is not None else "torch hub cache"
    return net, f"torchvision alexnet, ImageNet-pretrained IMAGENET1K_V1 ({ALEXNET_URL.rsplit('/', 1)[1]}, {where})"


def _device_name(dev: torch.device) -> str:
    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU ({platform.processor() or 'x86-64'})"


def run(*, weights: str = "torchvision", weights_path: str | os.PathLike | None = None,
        images: str | os.PathLike | None = None, n: int = PAPER_FIG5_N, device: str = "auto", seed: int = 0,
        image_size: int = TORCHVISION_INPUT_SIZE, config: LBFGSConfig | None = None, batch_size: int = 64,
        lanczos_rtol: float = 1e-5, skip_table5: bool = False) -> dict:
    """Table 5 (unless ``skip_table5``) and, when ``images`` is a folder, the ostrich attack: the JSON's content.

    Raises :class:`intriguing.alexnet.AlexNetWeightsError` when the weights cannot be had and
    :class:`intriguing.imagenet.ImageNetSetupError` for an unusable image folder.
    """
    t0 = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    dev = pick_device(device)
    if images is None and skip_table5:
        raise ValueError("nothing to do: give --images DIR for the attack, or leave out --skip-table5")
    if images is not None:
        list_images(images)  # a bad folder stops here, before minutes of Table 5
    net, description = load_weights(weights, weights_path=weights_path, device=dev, seed=seed)
    standin = weights == "standin"
    out: dict = {
        "what": "Szegedy et al. (2014), the ImageNet half: Table 5 on an AlexNet, and Fig. 5's attack toward 'ostrich'",
        "status": ("STAND-IN: untrained weights; these numbers only test the route and must never be reported "
                   "as results" if standin else "result (torchvision's pretrained AlexNet, not the authors' network)"),
        "standin": standin,
    }
    timings = {}
    if not skip_table5:
        t = time.perf_counter()
        out["table5"] = table5(net, TORCHVISION_INPUT_SIZE, lanczos_rtol=lanczos_rtol).as_dict()
        timings["table5_s"] = round(time.perf_counter() - t, 2)
    if images is not None:
        t = time.perf_counter()
        out["fig5"] = ostrich_attack(net, images, n=n, image_size=image_size, seed=seed, config=config,
                                     batch_size=batch_size)
        timings["fig5_s"] = round(time.perf_counter() - t, 2)
    out["provenance"] = {
        "weights": weights, "weights_description": description,
        "weights_path": None if weights_path is None else str(Path(weights_path).expanduser()),
        "images": None if images is None else str(Path(images).expanduser()),
        "n_images": out.get("fig5", {}).get("n_attacked", 0),
        "device": str(dev), "device_name": _device_name(dev),
        "torch": torch.__version__, "torchvision": import_torchvision().__version__,
        "python": platform.python_version(), "intriguing": intriguing.__version__,
        "started_utc": started, "wall_s": round(time.perf_counter() - t0, 2), **timings,
    }
    return out


def _summary(result: dict) -> str:
    """The few lines the command prints (the JSON holds everything)."""
    lines = [result["status"], result["provenance"]["weights_description"]]
    if "table5" in result:
        t = result["table5"]
        lines.append(f"{'layer':8} {'paper':>6}  {'ours':12} {'bound':>8} {'real':>8}  size (ours)")
        for r in t["rows"]:
            lines.append(f"{r['layer']:8} {r['bound_paper']:>6g}  {r['our_layer']:12} {r['bound']:8.4g} "
                         f"{r['real_norm']:8.4g}  {r['size']}")
        lines.append(f"product of conv and FC norms: ours {t['product_conv_fc']:.3g}, paper {t['paper_product']:,.0f}; "
                     f"with the max-pool factors: {t['product_with_pools']:.3g}")
    if "fig5" in result:
        f = result["fig5"]
        mean = "none succeeded" if f["mean_rms_distortion"] is None else f"{f['mean_rms_distortion']:.4g}"
        lines.append(f"toward '{f['target_name']}': {f['n_success']} of {f['n_attacked']} attacked images; mean RMS "
                     f"distortion {mean} (paper: {f['paper_mean_rms_distortion']} over {f['paper_n']}), "
                     f"on [0, 1] pixels of the {f['image_size']} crop")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m intriguing.imagenet_route",
        description="The paper's ImageNet half: Table 5 on torchvision's pretrained AlexNet (weights only) and "
                    "Fig. 5's L-BFGS attack toward 'ostrich' on a folder of images; writes one JSON file.")
    ap.add_argument("--weights", choices=WEIGHTS, default="torchvision",
                    help="torchvision: the pretrained AlexNet (downloads 233 MB once, e.g. on Colab); standin: "
                         "untrained weights, to test the route only")
    ap.add_argument("--weights-path", default=None,
                    help=f"a local copy of {ALEXNET_URL.rsplit('/', 1)[1]} (instead of the download)")
    ap.add_argument("--images", default=None, metavar="DIR",
                    help="folder of images (flat, or one folder per class, e.g. imagenette2-320/val); "
                         "without it only Table 5 is computed")
    ap.add_argument("--n", type=int, default=PAPER_FIG5_N, help="images to attack (the paper: 64)")
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    ap.add_argument("--out", default="imagenet_route.json", help="the JSON file to write")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random choice of images (and of the stand-in)")
    ap.add_argument("--image-size", type=int, default=TORCHVISION_INPUT_SIZE,
                    help="side of the centre crop (224; smaller only for quick tests)")
    ap.add_argument("--batch-size", type=int, default=64, help="images attacked together")
    ap.add_argument("--search-steps", type=int, default=LBFGSConfig.search_steps,
                    help="L-BFGS solves per image (the book's default)")
    ap.add_argument("--max-iter", type=int, default=LBFGSConfig.max_iter, help="iterations per solve")
    ap.add_argument("--lanczos-rtol", type=float, default=1e-5,
                    help="relative accuracy of the norm of each real conv layer (chapter 5: 1e-5)")
    ap.add_argument("--skip-table5", action="store_true", help="only the attack")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: run the route, print a summary, write ``--out``; 2 and a message on bad input."""
    args = _parser().parse_args(argv)
    try:
        if args.n < 1:
            raise ValueError(f"--n must be a positive number of images, got {args.n}")
        config = LBFGSConfig(search_steps=args.search_steps, max_iter=args.max_iter)
        result = run(weights=args.weights, weights_path=args.weights_path, images=args.images, n=args.n,
                     device=args.device, seed=args.seed, image_size=args.image_size, config=config,
                     batch_size=args.batch_size, lanczos_rtol=args.lanczos_rtol, skip_table5=args.skip_table5)
    except (AlexNetWeightsError, ImageNetSetupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result["provenance"]["arguments"] = list(sys.argv[1:] if argv is None else argv)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, allow_nan=False) + "\n")
    os.replace(tmp, out)
    print(_summary(result))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
