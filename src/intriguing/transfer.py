"""Transfer of adversarial examples between models (Szegedy et al. 2014, Tables 2-4).

A *set* is a dict of tensors describing distorted images of one data set: ``images`` (``[n, m]``,
the distorted images fed to the models), ``labels`` (``[n]``, the true labels), and, where
needed, ``originals`` (``[n, m]``, the clean images they were made from) and ``distortion``
(``[n]``, the paper's per-image RMS ``sqrt(Σ r² / 784)``). The adversarial sets of
:func:`intriguing.adversarial.adversarial_set` are sets once :func:`with_originals` has added the
clean images; :func:`gaussian_noise_set` and :func:`amplified_set` make the paper's reference
rows. :func:`transfer_matrix` feeds every set to every model and counts errors, under a stated
counting rule, so every cell carries the counts for a binomial (Wilson) confidence interval.

Explained in chapter 4, "Transfer of adversarial examples across models and training sets".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from intriguing import _checks, noise, stats, tables
from intriguing.attacks import rms_distortion
from intriguing.training import predict  # noqa: F401  (used below; also transfer.predict for readers)

#: How the images of a cell are counted, and what is counted (see :func:`transfer_matrix`).
COUNT_RULES = ("all", "correct")
OUTCOMES = ("error", "target")


# ----------------------------------------------------------------------------------------------
# sets: the rows of a transfer table


def with_originals(adv_set: dict[str, torch.Tensor], x_subset: torch.Tensor) -> dict[str, torch.Tensor]:
    """The adversarial set with the clean images it was made from added as ``originals``.

    ``adv_set`` is an :func:`intriguing.adversarial.adversarial_set` result (its ``indices`` are
    positions in the subset) and ``x_subset`` the images of that subset (``mnist.subset(...)[0]``).
    The clean images are needed by the "correct" counting rule and by :func:`amplified_set`.
    Explained in chapter 4, "Transfer of adversarial examples across models and training sets".
    """
    for key in ("images", "labels", "indices"):
        if key not in adv_set:
            raise ValueError(f"adv_set has no {key!r}: pass a result of intriguing.adversarial.adversarial_set")
    _checks.images("x_subset", x_subset)
    idx = adv_set["indices"]
    if len(idx) and (int(idx.max()) >= len(x_subset) or int(idx.min()) < 0):
        raise ValueError(f"adv_set's indices reach {int(idx.max())} but x_subset holds {len(x_subset)} images: "
                         "pass the images of the subset the set was made from")
    originals = x_subset[idx.to(x_subset.device)].to(adv_set["images"].device, adv_set["images"].dtype)
    if originals.shape != adv_set["images"].shape:
        raise ValueError(f"x_subset's images {tuple(originals.shape[1:])} do not match the set's "
                         f"{tuple(adv_set['images'].shape[1:])}")
    return {**adv_set, "originals": originals}


def gaussian_noise_set(x: torch.Tensor, y: torch.Tensor, stddev: float, *, seed: int = 0,
                       clip: bool = True) -> dict[str, torch.Tensor]:
    """The images ``x`` plus i.i.d. Gaussian noise of standard deviation ``stddev`` per pixel.

    The paper's reference rows ("Gaussian noise, stddev=0.1"), made with
    :func:`intriguing.noise.gaussian_noise`: drawn on the CPU from a generator seeded with
    ``seed`` (the same bits on every device and machine, and the same noise direction for every
    ``stddev`` with one seed), then moved to ``x``'s device. ``clip`` projects the noisy images
    back on the pixel box [0, 1], as any image must be; the paper does not say whether it did.
    Clipping shrinks the noise (on MNIST's black background half of it is cut away) and gives it
    a positive mean there; the set's ``distortion`` is the RMS of the noise actually added.
    Explained in chapter 4, "Transfer of adversarial examples across models and training sets".
    """
    _checks.images("x", x)
    _checks.labels("y", y, len(x))
    noisy = noise.gaussian_noise(x, stddev, seed=seed, clip=clip)
    return {"images": noisy, "labels": y, "originals": x, "distortion": rms_distortion(noisy, x, x.shape[1])}


def amplify(adversarial: torch.Tensor, originals: torch.Tensor, size: float = 0.1, *, norm: str = "rms",
            clip: bool = False, shrink: bool = True) -> torch.Tensor:
    """Rescale each perturbation ``r = x' - x`` to exactly ``size`` before any clipping.

    ``norm="rms"`` gives ``x + r · size / RMS(r)``, with ``RMS(r) = sqrt(Σ r² / 784)`` the paper's
    distortion: this is what Table 4's "amplified to stddev=0.1" means. ``norm="l2"`` is the
    paper's printed formula ``x + 0.1 (x' - x) / ||x' - x||_2``, read literally: an L2 norm of
    0.1 is an RMS of only ``0.1 / sqrt(784) = 0.1 / 28 ≈ 0.0036``, far *smaller* than the
    examples' own distortion (about 0.06), so the literal formula shrinks them instead of
    amplifying them. An image whose perturbation is zero (a failed attack, or an image the model
    already put in the target class) is returned unchanged. A perturbation already larger than
    ``size`` is shrunk to it, unless ``shrink=False`` (then it is left as it is: "amplify only").
    ``clip`` projects the result on [0, 1] afterwards, which lowers the RMS again. Explained in
    chapter 4, "Transfer of adversarial examples across models and training sets".
    """
    _checks.images("adversarial", adversarial)
    if originals.shape != adversarial.shape:
        raise ValueError(f"originals {tuple(originals.shape)} and adversarial {tuple(adversarial.shape)} "
                         "must have the same shape (one clean image per adversarial image)")
    if norm not in ("rms", "l2"):
        raise ValueError(f"norm must be 'rms' (the paper's distortion) or 'l2' (its printed formula), got {norm!r}")
    if not (isinstance(size, (int, float)) and math.isfinite(size) and size > 0):
        raise ValueError(f"size must be a positive finite number, got {size!r}")
    originals = originals.to(adversarial.device, adversarial.dtype)
    r = adversarial - originals
    length = rms_distortion(adversarial, originals, adversarial.shape[1]) if norm == "rms" else r.norm(dim=1)
    scale = torch.where(length > 0, size / length.clamp_min(torch.finfo(r.dtype).tiny), torch.zeros_like(length))
    if not shrink:
        scale = scale.clamp_min(1.0)
    out = originals + r * scale[:, None]
    return out.clamp(0.0, 1.0) if clip else out


def amplified_set(adv_set: dict[str, torch.Tensor], size: float = 0.1, *, norm: str = "rms",
                  clip: bool = False, shrink: bool = True) -> dict[str, torch.Tensor]:
    """An adversarial set (with ``originals``) whose perturbations are rescaled by :func:`amplify`.

    ``distortion`` becomes the RMS of the rescaled (and, with ``clip``, clipped) perturbation.
    Explained in chapter 4, "Transfer of adversarial examples across models and training sets".
    """
    if "originals" not in adv_set:
        raise ValueError("adv_set has no 'originals': add the clean images with with_originals(adv_set, x_subset)")
    images = amplify(adv_set["images"], adv_set["originals"], size, norm=norm, clip=clip, shrink=shrink)
    return {"images": images, "labels": adv_set["labels"], "originals": adv_set["originals"],
            "distortion": rms_distortion(images, adv_set["originals"], images.shape[1])}


def mean_distortion(s: dict[str, torch.Tensor], level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: average per-image RMS distortion of a set (the paper's "Av. distortion"
    column) and its normal confidence interval (:func:`intriguing.stats.mean_ci`).

    Failed attacks (NaN) are left out; images already in the target class count as 0, as in the
    paper's "distortion needed to reach 0% accuracy". Explained in chapter 4.
    """
    if "distortion" not in s:
        raise ValueError("the set has no 'distortion': add it, or compute rms_distortion(images, originals)")
    d = s["distortion"].detach().double().cpu()
    return stats.mean_ci(d[torch.isfinite(d)], level)


# ----------------------------------------------------------------------------------------------
# the matrix


@dataclass(frozen=True)
class TransferMatrix:
    """Error counts of every set (row) fed to every model (column), under one counting rule.

    ``errors[i, j]`` images of set ``rows[i]`` misclassified by model ``cols[j]`` (with
    ``outcome="target"``: put in the set's target class), out of ``totals[i, j]`` counted (int64
    tensors on the CPU); ``count`` and ``outcome`` are the arguments of :func:`transfer_matrix`.
    With ``per_image=True`` there, ``hits[i, j, k]`` and ``counted[i, j, k]`` (bool, on the CPU) say
    for image ``k`` whether it was counted and hit in that cell, which :meth:`bootstrap` resamples.
    Explained in chapter 4.
    """

    rows: list[str]
    cols: list[str]
    errors: torch.Tensor
    totals: torch.Tensor
    count: str
    outcome: str = "error"
    hits: torch.Tensor | None = None
    counted: torch.Tensor | None = None

    def rates(self) -> torch.Tensor:
        """Error rates in percent (float64, NaN where no image was counted)."""
        t = self.totals.double()
        return torch.where(t > 0, 100 * self.errors.double() / t.clamp_min(1), torch.full_like(t, math.nan))

    def wilson(self, level: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
        """Lower and upper ends of each cell's Wilson score interval, in percent."""
        lo, hi = wilson_intervals(self.errors, self.totals, level)
        return 100 * lo, 100 * hi

    def cell(self, row: str, col: str) -> tuple[int, int]:
        """``(errors, total)`` of one cell, by name."""
        return int(self.errors[self.rows.index(row), self.cols.index(col)]), \
            int(self.totals[self.rows.index(row), self.cols.index(col)])

    def frame(self, ci: bool = True) -> pd.DataFrame:
        """The matrix as text, one cell per entry: ``"12.34 [11.46, 13.28]"`` (see :func:`cell_text`)."""
        data = [[cell_text(int(e), int(t), ci=ci) for e, t in zip(er, tr)]
                for er, tr in zip(self.errors.tolist(), self.totals.tolist())]
        return pd.DataFrame(data, index=pd.Index(self.rows, name="examples"), columns=self.cols)

    def rates_frame(self) -> pd.DataFrame:
        """:meth:`rates` as a frame (rows: sets, columns: models), in percent."""
        return pd.DataFrame(self.rates().numpy(), index=list(self.rows), columns=list(self.cols))

    def ci_frames(self, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Lower and upper ends of every cell's Wilson interval (:meth:`wilson`), in percent, as frames."""
        lo, hi = self.wilson(level)
        return (pd.DataFrame(lo.numpy(), index=list(self.rows), columns=list(self.cols)),
                pd.DataFrame(hi.numpy(), index=list(self.rows), columns=list(self.cols)))

    def bootstrap(self, statistic: Callable[[np.ndarray], np.ndarray], *, n_bootstrap: int = 2000,
                  level: float = 0.95, seed: int = 0, chunk: int = 250) -> tuple[float, float, float]:
        """``(value, low, high)``: a statistic of the rates and its percentile bootstrap interval over images.

        ``statistic`` maps rates in percent, an array ``[..., rows, cols]``, to one value per leading
        index (e.g. the mean of some cells over the mean of others). Each resample draws the images
        with replacement *jointly* for every cell: the rows hold distortions of the same images, in
        the same order (:func:`transfer_matrix` checks their labels), so a resampled image counts in
        every cell at once and the cells' correlation is kept. The interval covers the choice of
        images only, not the training of the models. Needs ``per_image=True`` in
        :func:`transfer_matrix`. Deterministic: the draws come from ``numpy``'s generator seeded
        with ``seed``, and the resampled counts are exact integers. Explained in chapter 4.
        """
        if self.hits is None or self.counted is None:
            raise ValueError("this matrix has no per-image outcomes: compute it with "
                             "transfer_matrix(..., per_image=True)")
        if int(n_bootstrap) < 1 or not 0 < level < 1 or int(chunk) < 1:
            raise ValueError(f"need n_bootstrap >= 1, 0 < level < 1 and chunk >= 1, got {n_bootstrap!r}, "
                             f"{level!r}, {chunk!r}")
        shape = (len(self.rows), len(self.cols))
        value = float(np.asarray(statistic(self.rates().numpy()[None]), dtype=float).reshape(-1)[0])
        n = self.hits.shape[-1]
        hits = self.hits.reshape(-1, n).double().numpy().T  # [n, cells]
        counted = self.counted.reshape(-1, n).double().numpy().T
        rng = np.random.default_rng(int(seed))
        draws = []
        for start in range(0, int(n_bootstrap), int(chunk)):
            c = min(int(chunk), int(n_bootstrap) - start)
            weights = rng.multinomial(n, np.full(n, 1 / n), size=c).astype(np.float64)  # [c, n]
            errors, totals = weights @ hits, weights @ counted  # exact integer counts
            with np.errstate(invalid="ignore", divide="ignore"):
                rates = np.where(totals > 0, 100 * errors / np.maximum(totals, 1), np.nan)
            draws.append(np.asarray(statistic(rates.reshape(c, *shape)), dtype=float).reshape(c))
        draws = np.concatenate(draws)
        if not np.isfinite(draws).all():
            raise ValueError("the statistic is not finite on some resamples (a cell with no counted image, "
                             "or a division by zero): choose cells that always count images")
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        return value, float(lo), float(hi)


def transfer_matrix(sets: dict[str, dict[str, torch.Tensor]], models: dict[str, nn.Module], *,
                    count: str = "all", outcome: str = "error", batch_size: int = 1000,
                    per_image: bool = False) -> TransferMatrix:
    """Feed every set (row) to every model (column) and count the errors it induces.

    ``count`` is the counting rule, which the paper leaves open:

    * ``"all"``: every image of the set counts; an error is a label different from the true one.
      This includes the images the column model already got wrong before any distortion, so a
      cell can never fall below that model's clean error on those images.
    * ``"correct"``: only the images the column model classified correctly *before* the
      distortion (on the set's ``originals``) count: the error *induced* by the distortion.

    A set made for a model by a successful attack has, on that model's column, 100% error under
    both rules (every attacked image is moved to a wrong target label). ``outcome="target"``
    counts, instead of errors, the images the column model puts in the set's ``targets`` (the
    label the attack aimed at): how often a transferred example lands where it was sent, not
    just somewhere wrong. Images are fed in batches of ``batch_size`` on each model's own device.
    ``per_image=True`` also keeps each image's outcome in every cell (for
    :meth:`TransferMatrix.bootstrap`); every set must then hold the same images' labels, in the same
    order (distortions of one set of images). Explained in chapter 4, "Transfer of adversarial
    examples across models and training sets".
    """
    if count not in COUNT_RULES:
        raise ValueError(f"unknown counting rule {count!r}: use one of {COUNT_RULES}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: use one of {OUTCOMES}")
    if not sets or not models:
        raise ValueError("transfer_matrix needs at least one set (row) and one model (column)")
    for name, s in sets.items():
        if not isinstance(s, dict) or "images" not in s or "labels" not in s:
            raise ValueError(f"set {name!r} must be a dict with 'images' and 'labels'")
        _checks.images(f"set {name!r}'s images", s["images"])
        _checks.labels(f"set {name!r}'s labels", s["labels"], len(s["images"]))
        if outcome == "target" and ("targets" not in s or s["targets"].shape != s["labels"].shape):
            raise ValueError(f"set {name!r} has no 'targets' (one per image), which outcome='target' needs")
        if count == "correct":
            if "originals" not in s:
                raise ValueError(f"set {name!r} has no 'originals', which the 'correct' rule needs: "
                                 "add the clean images (with_originals) or use count='all'")
            if s["originals"].shape != s["images"].shape:
                raise ValueError(f"set {name!r}: originals {tuple(s['originals'].shape)} and images "
                                 f"{tuple(s['images'].shape)} differ in shape")
    for name, model in models.items():
        if not isinstance(model, nn.Module):
            raise ValueError(f"model {name!r} is a {type(model).__name__}, not a torch module "
                             "(for a zoo model pass get_model(name).model)")
        if model.training:
            raise ValueError(f"model {name!r} is in training mode: call model.eval() first")
    if per_image:
        first_labels = next(iter(sets.values()))["labels"].cpu()
        for name, s in sets.items():
            if not torch.equal(s["labels"].cpu(), first_labels):
                raise ValueError(f"per_image=True needs every set to hold the same images (same labels, same "
                                 f"order); set {name!r} differs from the first")

    errors = torch.zeros(len(sets), len(models), dtype=torch.long)
    totals = torch.zeros_like(errors)
    n_images = len(next(iter(sets.values()))["labels"])
    hits_all = torch.zeros(len(sets), len(models), n_images, dtype=torch.bool) if per_image else None
    counted_all = torch.zeros_like(hits_all) if per_image else None
    for j, model in enumerate(models.values()):
        clean: dict[tuple[int, int], torch.Tensor] = {}  # sets sharing originals and labels: predicted once
        for i, s in enumerate(sets.values()):
            pred = predict(model, s["images"], batch_size)
            y = s["labels"].to(pred.device)
            counted = torch.ones_like(y, dtype=torch.bool)
            if count == "correct":
                key = (id(s["originals"]), id(s["labels"]))  # all sets are alive here: ids are unique
                if key not in clean:
                    clean[key] = predict(model, s["originals"], batch_size) == y
                counted = clean[key]
            hit = pred != y if outcome == "error" else pred == s["targets"].to(pred.device)
            errors[i, j] = int((hit & counted).sum())
            totals[i, j] = int(counted.sum())
            if per_image:
                hits_all[i, j], counted_all[i, j] = (hit & counted).cpu(), counted.cpu()
    return TransferMatrix(list(sets), list(models), errors, totals, count, outcome, hits_all, counted_all)


# ----------------------------------------------------------------------------------------------
# confidence intervals and cells


def wilson_intervals(errors: torch.Tensor | int, totals: torch.Tensor | int,
                     level: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Wilson score intervals of the rates ``errors / totals``, cell by cell (float64 fractions).

    Each cell is :func:`intriguing.stats.wilson_interval`; unlike the normal ("Wald") interval it
    stays inside [0, 1] and does not collapse to a point at 0% or 100%, where many cells of the
    transfer tables sit. The ends are exactly 0 at 0 errors and 1 at ``totals`` errors; NaN
    where ``totals`` is 0. Explained in chapter 4, "Transfer of adversarial examples across
    models and training sets".
    """
    k = torch.as_tensor(errors, dtype=torch.long)
    n = torch.as_tensor(totals, dtype=torch.long)
    if k.shape != n.shape:
        raise ValueError(f"errors {tuple(k.shape)} and totals {tuple(n.shape)} must have the same shape")
    if (k < 0).any() or (k > n).any():
        raise ValueError("errors must lie between 0 and totals in every cell")
    lo = torch.full(k.shape, math.nan, dtype=torch.float64)
    hi = lo.clone()
    for i, (ki, ni) in enumerate(zip(k.flatten().tolist(), n.flatten().tolist())):
        if ni > 0:
            a, b = stats.wilson_interval(ki, ni, level)
            lo.view(-1)[i], hi.view(-1)[i] = (0.0 if ki == 0 else a), (1.0 if ki == ni else b)
    return lo, hi


def cell_text(errors: int, total: int, *, ci: bool = True, level: float = 0.95) -> str:
    """``"12.34 [11.46, 13.28]"``: the rate in percent at the digits one image resolves
    (:func:`intriguing.tables.percent`) and, with ``ci``, its Wilson 95% interval at the same digits.
    Explained in chapter 4."""
    if total <= 0:
        return "—"
    point = tables.percent(errors, total)
    if not ci:
        return point
    digits = len(point.split(".")[1]) if "." in point else 0
    lo, hi = wilson_intervals(errors, total, level)
    return f"{point} [{100 * float(lo):.{digits}f}, {100 * float(hi):.{digits}f}]"



# ----------------------------------------------------------------------------------------------
# our table against the paper's: cells, and the choice of a reading the paper leaves open


def paired_cells(ours: pd.DataFrame, paper: pd.DataFrame, rows: Sequence[str] | None = None,
                 mask: np.ndarray | None = None) -> pd.DataFrame:
    """Our cells beside the paper's, one line per cell: ``row``, ``col``, ``ours``, ``paper`` and
    ``gap`` (ours − paper), row by row in the paper's order.

    ``rows`` (default: all of ``paper``'s) and ``paper``'s columns pick the cells; ``mask`` (bool,
    ``[len(rows), len(paper.columns)]``) keeps some of them (e.g. the off-diagonal ones). ``ours``
    must hold every picked cell under the paper's row and column names. Explained in chapter 4.
    """
    rows = list(paper.index if rows is None else rows)
    cols = list(paper.columns)
    missing = [r for r in rows if r not in ours.index] + [c for c in cols if c not in ours.columns]
    if missing:
        raise ValueError(f"our table has no {missing}: name its rows and columns as the paper's")
    o, p = ours.loc[rows, cols].to_numpy(dtype=float), paper.loc[rows, cols].to_numpy(dtype=float)
    keep = np.ones(o.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if keep.shape != o.shape:
        raise ValueError(f"mask has shape {keep.shape}, the cells {o.shape}")
    if not (np.isfinite(o[keep]).all() and np.isfinite(p[keep]).all()):
        raise ValueError("a picked cell is NaN (no image counted) or missing in the paper's table")
    i, j = np.nonzero(keep)
    return pd.DataFrame({"row": [rows[a] for a in i], "col": [cols[b] for b in j], "ours": o[i, j],
                         "paper": p[i, j], "gap": o[i, j] - p[i, j]})


def choose_reading(gaps: Mapping[Hashable, Sequence[float]]) -> Hashable:
    """The reading whose cells lie closest to the paper's: the smallest mean |gap| (the first one on a tie).

    ``gaps[reading]`` are our cells minus the paper's under that reading. Explained in chapter 4.
    """
    if not gaps:
        raise ValueError("no readings to choose from")
    means = {k: float(np.abs(np.asarray(v, dtype=float)).mean()) for k, v in gaps.items()}
    if not all(math.isfinite(v) for v in means.values()):
        raise ValueError("a reading has no cells, or NaN gaps")
    return min(means, key=means.get)


@dataclass(frozen=True)
class ReadingCheck:
    """A reading chosen on one group of cells and tested on another (out of sample)."""

    chosen_on: str
    reading: Hashable
    fitted_gap: float  # mean |ours − paper| on the cells it was chosen on
    tested_on: str
    held_out_gap: float  # mean |ours − paper| of the chosen reading on the held-out cells
    best_on_held_out: Hashable  # the reading the held-out cells alone would choose
    best_held_out_gap: float


def validate_reading(gaps: Mapping[Hashable, Mapping[str, Sequence[float]]]) -> list[ReadingCheck]:
    """Choose the reading on each group of cells alone and test it on every other group.

    ``gaps[reading][group]`` are our cells minus the paper's for that group of cells (e.g. the noise
    cells of Table 2 and those of Table 4) under that reading; every reading has the same groups.
    One :class:`ReadingCheck` per ordered pair of groups. When every choice picks the same reading
    (:func:`reading_identified`), cells it was not chosen on confirm it; when they differ, these
    cells do not identify the reading. Explained in chapter 4.
    """
    if not gaps:
        raise ValueError("no readings to validate")
    groups = list(next(iter(gaps.values())))
    if len(groups) < 2 or any(list(g) != groups for g in gaps.values()):
        raise ValueError(f"every reading needs the same two or more groups of cells, got {groups}")
    mean = {(k, g): float(np.abs(np.asarray(v[g], dtype=float)).mean()) for k, v in gaps.items() for g in groups}
    checks = []
    for fit in groups:
        reading = choose_reading({k: v[fit] for k, v in gaps.items()})
        for test in (g for g in groups if g != fit):
            best = choose_reading({k: v[test] for k, v in gaps.items()})
            checks.append(ReadingCheck(fit, reading, mean[reading, fit], test, mean[reading, test], best,
                                       mean[best, test]))
    return checks


def reading_identified(checks: Sequence[ReadingCheck]) -> bool:
    """Whether every group of cells, alone, chose the same reading (:func:`validate_reading`)."""
    if not checks:
        raise ValueError("no checks")
    return len({c.reading for c in checks}) == 1


def cells_within(cells: pd.DataFrame, rule: str = "fooling rate") -> pd.Series:
    """Whether each cell of :func:`paired_cells` lies within the tolerance of ``rule`` (a rule of
    :mod:`intriguing.verdicts`, applied cell by cell with :func:`intriguing.verdicts.judge`)."""
    from intriguing import verdicts

    return pd.Series([verdicts.judge(rule, o, p).verdict == "reproduced"
                      for o, p in zip(cells["ours"], cells["paper"])], index=cells.index, dtype=bool)


def pattern_by_row(cells: pd.DataFrame, rule: str = "fooling rate") -> pd.DataFrame:
    """Per row of :func:`paired_cells` (in its order): the cells within ``rule``'s tolerance, the mean
    |ours − paper| and the largest gap with its cell, as text. Explained in chapter 4."""
    lines = {}
    for name, c in cells.reset_index(drop=True).groupby("row", sort=False):
        w = c.loc[c["gap"].abs().idxmax()]
        lines[name] = {"cells within tolerance": f"{int(cells_within(c, rule).sum())} of {len(c)}",
                       "mean |ours − paper| (points)": tables.points(float(c["gap"].abs().mean())),
                       "largest gap (points)": f"{w['gap']:+.1f}",
                       "in the cell": f"→ {w['col']}: {w['ours']:.2f} vs {w['paper']:g}"}
    return pd.DataFrame(lines).T.rename_axis("examples made for")
