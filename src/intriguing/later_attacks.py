"""Later attacks on the zoo, from one maintained library (Foolbox 3): thin, checked adapters.

The paper's box-constrained L-BFGS (:mod:`intriguing.attacks`) was followed by FGSM
(Goodfellow et al. 2015), projected gradient descent (PGD, Madry et al. 2018), Carlini and
Wagner's L2 attack (2017) and minimum-norm attacks such as DDN (Rony et al. 2019) and FMN
(Pintor et al. 2021). The book does not re-implement them: :func:`run_attack` calls Foolbox 3
(Rauber et al. 2017, 2020; MIT licence; batched, native PyTorch, the reference implementations
of FMN and DDN used by their authors' benchmarks) on a zoo model, toward the same targets as the
L-BFGS sets, and returns a result in the book's conventions: images in the [0, 1] box, success
re-checked by a float64 forward pass (the target's logit strictly above every other), the
paper's RMS distortion, NaN for failures, and the forward passes spent per image.

Two kinds of attack:

* **fixed-budget** (``"fgsm"``, ``"pgd-linf"``, ``"pgd-l2"``): pass ``epsilons``, budgets in the
  attack's own norm (L∞ in pixel units, or L2); every budget is run, and each image keeps the
  point found at its smallest successful budget (``success_at`` says which budgets fooled it);
* **minimum-norm** (``"cw-l2"``, ``"ddn"``, ``"fmn-l2"``): no budget; each returns the smallest
  perturbation it found.

Used in chapter 7, "What came after: later attacks and exact minima".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from intriguing import _checks
from intriguing.attacks import target_margin
from intriguing.runtime import seeded

#: The attacks, each with the norm of its budget (fixed-budget) or of what it minimises.
ATTACKS: dict[str, str] = {
    "fgsm": "linf",
    "pgd-linf": "linf",
    "pgd-l2": "l2",
    "cw-l2": "l2",
    "ddn": "l2",
    "fmn-l2": "l2",
}
FIXED_BUDGET = ("fgsm", "pgd-linf", "pgd-l2")
MINIMUM_NORM = ("cw-l2", "ddn", "fmn-l2")

#: Library settings of each attack (Foolbox's defaults unless said): the book's choices.
#: C&W's 10,000 steps per constant are cut to 1,000 (its early abort usually stops sooner).
DEFAULTS: dict[str, dict] = {
    "fgsm": {},  # no settings: one signed-gradient step of the full budget, from the image
    "pgd-linf": {"steps": 40, "rel_stepsize": 1 / 30},
    "pgd-l2": {"steps": 50, "rel_stepsize": 0.025},
    "cw-l2": {"binary_search_steps": 9, "steps": 1000, "stepsize": 0.01, "initial_const": 0.001},
    "ddn": {"steps": 100, "init_epsilon": 1.0, "gamma": 0.05},
    "fmn-l2": {"steps": 100, "gamma": 0.05, "max_stepsize": 1.0},
}


@dataclass
class LaterAttackResult:
    """Per-image outcome (tensors of length ``B`` on the CPU; ``images`` ``[B, m]``, float32).

    ``success`` is the float64 re-check; for a failed image ``images`` is the original and
    ``distortion`` (RMS), ``l2``, ``linf`` and ``budget`` are NaN. ``budget`` is the smallest
    successful budget of a fixed-budget attack (NaN for a minimum-norm attack);
    ``success_at`` ``[len(epsilons), B]`` says which budgets fooled each image (None for a
    minimum-norm attack). ``evaluations`` is the forward passes through the model per image
    (the batch's passes divided among its images; a gradient step is one forward and one
    backward pass).
    """

    name: str
    images: torch.Tensor
    success: torch.Tensor
    distortion: torch.Tensor
    l2: torch.Tensor
    linf: torch.Tensor
    budget: torch.Tensor
    target: torch.Tensor
    evaluations: torch.Tensor
    epsilons: tuple[float, ...] | None = None
    success_at: torch.Tensor | None = None
    settings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.target)


def _foolbox():
    """Foolbox, imported without its own deprecation warning (scipy.ndimage.filters, in its blur attack)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"foolbox\.")
        import foolbox

    return foolbox


class _Counted(nn.Module):
    """The model, counting the images passed through it (the library's forward passes)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.rows = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.rows += len(x)
        return self.model(x)


def _library_attack(name: str, settings: dict):
    if name == "fgsm":  # Foolbox's FGSM class refuses targets; it is exactly this one-step PGD
        fb = _foolbox()
        return fb.attacks.LinfPGD(rel_stepsize=1.0, steps=1, random_start=False, **settings)
    return _classes()[name](**settings)


def check_attack(name: str, epsilons=None) -> tuple[float, ...] | None:
    """Validate an attack name and its budgets; returns the budgets as a sorted tuple (or None).

    Raises ``ValueError`` naming the problem: an unknown attack, a fixed-budget attack without
    budgets, budgets given to a minimum-norm attack, or a budget that is not a finite positive
    number (an L∞ budget above 1 cannot be told from no budget in the [0, 1] box: also refused).
    """
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {name!r}: choose one of {list(ATTACKS)}")
    if name in MINIMUM_NORM:
        if epsilons is not None:
            raise ValueError(f"{name!r} is a minimum-norm attack: it takes no budget (pass epsilons=None)")
        return None
    if epsilons is None:
        raise ValueError(f"{name!r} is a fixed-budget attack: pass epsilons, budgets in {ATTACKS[name]} norm")
    eps = [epsilons] if isinstance(epsilons, (int, float)) else list(epsilons)
    if not eps:
        raise ValueError(f"{name!r} needs at least one budget in epsilons")
    cap = 1.0 if ATTACKS[name] == "linf" else math.inf
    for e in eps:
        if isinstance(e, bool) or not isinstance(e, (int, float)) or not math.isfinite(e) or not 0 < e <= cap:
            what = "in (0, 1]" if cap == 1.0 else "finite and positive"
            raise ValueError(f"every budget of {name!r} must be a number {what}, got {e!r}")
    return tuple(sorted(float(e) for e in eps))


def _check_settings(name: str, settings: dict | None) -> dict:
    merged = dict(DEFAULTS[name])
    unknown = set(settings or {}) - set(_settings_names(name))
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)} for {name!r}: use {sorted(_settings_names(name))}")
    merged.update(settings or {})
    return merged


def _settings_names(name: str) -> list[str]:
    import inspect

    if name == "fgsm":
        return []
    sig = inspect.signature(_classes()[name].__init__)
    return [p for p in sig.parameters if p != "self"]


def _classes() -> dict:
    fb = _foolbox()

    return {
        "fgsm": fb.attacks.LinfFastGradientAttack,  # settings only: see _library_attack
        "pgd-linf": fb.attacks.LinfPGD,
        "pgd-l2": fb.attacks.L2PGD,
        "cw-l2": fb.attacks.L2CarliniWagnerAttack,
        "ddn": fb.attacks.DDNAttack,
        "fmn-l2": fb.attacks.L2FMNAttack,
    }


def verified_success(model: nn.Module, images: torch.Tensor, target: torch.Tensor,
                     batch_size: int = 1000) -> torch.Tensor:
    """Whether a float64 copy of ``model`` puts each image strictly in its target class.

    Float64 makes the check independent of batch size and machine (float32 logits differ by
    about 1e-5 between batch sizes, and a minimum-norm attack ends close to the boundary).
    """
    import copy

    net = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        margins = [target_margin(net(images[i:i + batch_size].double()), target[i:i + batch_size])
                   for i in range(0, len(images), batch_size)]
    return torch.cat(margins) > 0


def run_attack(model: nn.Module, x: torch.Tensor, target: torch.Tensor, name: str, *, epsilons=None,
               settings: dict | None = None, seed: int = 0, batch_size: int = 500) -> LaterAttackResult:
    """Run the library's attack ``name`` (a key of :data:`ATTACKS`) on images ``x`` toward ``target``.

    ``model`` maps ``[B, m]`` in [0, 1] to logits and is in eval mode; ``epsilons`` are the
    budgets of a fixed-budget attack (see :func:`check_attack`); ``settings`` override
    :data:`DEFAULTS`; ``seed`` fixes PGD's random start. Images are attacked ``batch_size`` at
    a time. Explained in chapter 7, "What came after: later attacks and exact minima".
    """
    fb = _foolbox()

    eps = check_attack(name, epsilons)
    cfg = _check_settings(name, settings)
    _checks.images("x", x)
    _checks.labels("target", target, len(x))
    _checks.in_box("x", x)
    _checks.positive_int("run_attack", "batch_size", batch_size)
    if model.training:
        raise ValueError("the model is in training mode: call model.eval() first")
    counted = _Counted(model).eval()
    fmodel = fb.PyTorchModel(counted, bounds=(0.0, 1.0), device=x.device)
    attack = _library_attack(name, cfg)
    images, evaluations, success_at = [], [], []
    with seeded(seed):
        for i in range(0, len(x), batch_size):
            xb, tb = x[i:i + batch_size], target[i:i + batch_size]
            crit = fb.criteria.TargetedMisclassification(tb)
            counted.rows = 0
            if eps is None:
                _, clipped, _ = attack(fmodel, xb, crit, epsilons=None)
                images.append(clipped.detach())
            else:
                _, clipped, _ = attack(fmodel, xb, crit, epsilons=list(eps))
                ok = torch.stack([verified_success(model, c.detach(), tb) for c in clipped])  # [E, b]
                first = torch.where(ok.any(0), ok.int().argmax(0), 0)
                stacked = torch.stack([c.detach() for c in clipped])  # [E, b, m]
                images.append(stacked[first, torch.arange(len(xb), device=xb.device)])
                success_at.append(ok.cpu())
            evaluations.append(torch.full((len(xb),), counted.rows / len(xb), dtype=torch.float64))
    adv = torch.cat(images).clamp(0.0, 1.0)
    success = verified_success(model, adv, target)
    adv = torch.where(success[:, None], adv, x)
    r = (adv - x).double()
    nan = torch.full((len(x),), math.nan, dtype=torch.float64, device=x.device)
    budget = nan.clone()
    at = None
    if eps is not None:
        at = torch.cat(success_at, dim=1)
        first = at.int().argmax(0)
        budget = torch.where(success.cpu(), torch.tensor(eps, dtype=torch.float64)[first], nan.cpu())
    return LaterAttackResult(
        name=name,
        images=adv.detach().cpu(),
        success=success.cpu(),
        distortion=torch.where(success, r.pow(2).sum(1).div(x.shape[1]).sqrt(), nan).cpu(),
        l2=torch.where(success, r.norm(dim=1), nan).cpu(),
        linf=torch.where(success, r.abs().amax(1), nan).cpu(),
        budget=budget.cpu(),
        target=target.detach().cpu().clone(),
        evaluations=torch.cat(evaluations),
        epsilons=eps,
        success_at=at,
        settings=cfg,
    )


def attack_set(model_name: str, name: str, n: int, *, epsilons=None, settings: dict | None = None, seed: int = 0,
               device: str | torch.device | None = "auto", mnist=None, batch_size: int = 500) -> dict:
    """:func:`run_attack` on zoo model ``model_name``, the first ``n`` training images, cached.

    The targets are those of the book's L-BFGS sets (:func:`intriguing.adversarial.adversarial_set`
    with the "random" rule and seed 0: :func:`intriguing.attacks.random_targets` of each image's
    index), so every attack aims where L-BFGS aimed. Returns the result's fields as a dict of
    CPU tensors (plus ``indices``), cached under everything that affects them. Explained in
    chapter 7, "What came after: later attacks and exact minima".
    """
    import sys

    from intriguing import attacks as lbfgs
    from intriguing import cache, zoo
    from intriguing.data import load_mnist
    from intriguing.runtime import pick_device

    eps = check_attack(name, epsilons)
    cfg = _check_settings(name, settings)
    dev = device if isinstance(device, torch.device) else pick_device(device)
    trained = zoo.get_model(model_name, mnist=mnist, device=dev)
    data = (mnist or load_mnist()).to(dev)
    x_all, y_all = data.subset("train")
    _checks.positive_int("attack_set", "n", n)
    if n > len(x_all):
        raise ValueError(f"n must be at most {len(x_all)} (the training images), got {n}")
    fb = _foolbox()
    key = {"model": zoo.cache_key(trained.spec, data, dev), "attack": name, "n": n, "epsilons": eps,
           "settings": cfg, "seed": seed, "batch_size": batch_size, "foolbox": fb.__version__,
           "code": cache.code_version(sys.modules[__name__], lbfgs)}

    def compute() -> dict:
        idx = torch.arange(n, device=dev)
        target = lbfgs.random_targets(y_all[:n], idx, seed=0)
        res = run_attack(trained.model, x_all[:n], target, name, epsilons=eps, settings=cfg, seed=seed,
                         batch_size=batch_size)
        out = {k: getattr(res, k) for k in ("images", "success", "distortion", "l2", "linf", "budget",
                                            "target", "evaluations")}
        out["indices"] = idx.cpu()
        if res.success_at is not None:
            out["success_at"] = res.success_at
        return out

    return cache.load_or_compute("later_attacks", key, compute)
