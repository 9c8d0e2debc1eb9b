"""Units versus random directions (the paper's Section 3), measured instead of looked at.

The paper shows the held-out images that maximise one hidden unit, ``argmax_x <φ(x), e_i>``, next
to those that maximise a random direction, ``argmax_x <φ(x), v>``, and judges by eye that both
rows are "semantically related": the natural basis is "not better than a random basis". This
module turns that into numbers:

1. ``layer_activations``: φ(x) of one layer for a held-out set, as a matrix ``[N, n_units]``;
2. ``random_directions`` and ``top_k``: the top-k images of many units and many seeded random
   unit-norm directions at once (one matmul and one sort);
3. ``label_purity`` and ``mean_pairwise_cosine``: how coherent each top-k set is, with the label
   (share of the majority class) and without it (mean pairwise cosine of centred pixels or
   activations), and ``random_subsets`` for the score of k images drawn at random;
4. the units' scores against the random directions' with :func:`intriguing.stats.compare_scores`
   (permutation test, Mann-Whitney U with the rank-biserial effect size and a bootstrap interval,
   optionally resampling clusters, e.g. the positions of one channel); ``summary_table`` prints them;
5. ``select_by_variance``, ``select_by_quantiles`` and ``figure_rows``: which sets the figures
   show, and their labels (drawn by :func:`intriguing.plots.units.plot_top_images`).

``unit_vs_random(..., pool="max")`` is the channel view of a convolutional layer: channels
(maximum over positions) against random mixtures of channels pooled the same way
(``pooled_projections``).

``unit_vs_random`` runs 2-4 in one call. Units the held-out set cannot rank (fewer than k images
above the unit's minimum, e.g. ReLU units that never fire) are reported and left out
(``activity_masks``).

Which score measures "semantically related"? None exactly; three proxies, each with its bias:

* label purity: the paper's digits-share-a-stroke judgement is close to "share a class", but a
  set of 6s and 0s with the same lower loop is coherent and impure;
* cosine of centred pixels: label-free, and it does not depend on the analysed layer or its
  basis at all, so it cannot favour units or random directions by construction;
* cosine of centred activations of the analysed layer: the formula is rotation invariant, but
  the sets were chosen along the very direction being scored. A ReLU acts coordinate-wise, so a
  unit's distribution is sparse and heavy-tailed along its own axis (the top-10 images of the
  MNIST CNN's conv2 units lie 6.7 standard deviations out, those of random directions 3.2): such
  scores can differ between units and random directions for reasons unrelated to meaning, in
  either direction. Report it beside the other two, not alone.

The tests treat the units' scores as a sample. Units of one convolutional channel at different
positions (``reduce="flatten"``) see overlapping image patches, so their scores are correlated and
the p-values are then optimistic; ``reduce="max"`` gives one unit per channel. With 100 random
directions the mean of their scores still varies by a few hundredths from seed to seed: use 1000
(cheap) for the headline number. Explained in chapter 1, "Unit semantics" (the top-k images of
units, Fig. 1) and chapter 2, "Random directions" (the control and the statistics, Fig. 2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from intriguing.stats import Comparison, compare_scores, format_p

#: Offsets added to the seed of ``unit_vs_random`` for each of its random draws, so that changing
#: the number of directions does not change the baseline subsets or the permutations.
SEED_OFFSETS = {"directions": 0, "baseline": 1, "permutation": 2, "bootstrap": 3}

_REDUCTIONS = ("flatten", "max", "mean", "none")


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------


def reduce_units(t: torch.Tensor, reduce: str = "flatten") -> torch.Tensor:
    """Turn a batch of layer outputs ``[B, ...]`` into unit activations ``[B, n_units]``.

    ``"flatten"`` makes every (channel, position) of a convolutional map a unit, as φ(x) ∈ R^n in
    the paper; ``"max"`` / ``"mean"`` pool each channel over its positions (one unit per channel,
    as Network Dissection counts units); ``"none"`` keeps the map ``[B, C, H, W]`` (for
    ``unit_vs_random(..., pool=...)``). Fully connected outputs ``[B, n]`` are returned as they
    are for every choice. Explained in chapter 1, "Unit semantics".
    """
    if reduce not in _REDUCTIONS:
        raise ValueError(f"reduce={reduce!r} is not known: use one of {_REDUCTIONS}")
    if t.dim() < 2:
        raise ValueError(f"layer output must be a batch [B, ...], got shape {tuple(t.shape)}")
    if reduce == "none":
        return t
    if t.dim() == 2 or reduce == "flatten":
        return t.flatten(1)
    spatial = t.flatten(2)  # [B, C, positions]
    return spatial.amax(2) if reduce == "max" else spatial.mean(2)


def _model_device(model: nn.Module, fallback: torch.device) -> torch.device:
    p = next(iter(model.parameters()), None)
    return p.device if p is not None else fallback


@torch.no_grad()
def layer_activations(
    model: nn.Module, x: torch.Tensor, layer: str, *, batch_size: int = 1000, reduce: str = "flatten"
) -> torch.Tensor:
    """φ(x) of ``layer`` (a name of ``model.hidden``) for every image of ``x``, as ``[N, n_units]``.

    Computed in fixed batches without gradients, on the model's device (the images are moved
    there batch by batch). Explained in chapter 1, "Unit semantics".
    """
    if not hasattr(model, "hidden"):
        raise ValueError("the model has no hidden(x) method: use a model of intriguing.zoo "
                         "(or intriguing.imagenet for other networks)")
    if x.dim() < 2 or len(x) == 0:
        raise ValueError(f"x must be a non-empty batch of images, got shape {tuple(x.shape)}")
    if int(batch_size) <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    dev = _model_device(model, x.device)
    names = list(model.hidden(x[:1].to(dev)).keys())
    if layer not in names:
        raise ValueError(f"layer {layer!r} is not a hidden layer of this model: choose one of {names}")
    out = [reduce_units(model.hidden(x[i : i + batch_size].to(dev))[layer], reduce)
           for i in range(0, len(x), int(batch_size))]
    return torch.cat(out)


def describe_unit(unit: int, shape: Sequence[int]) -> str:
    """A readable name for flattened unit ``unit`` of a layer whose per-image shape is ``shape``.

    ``(100,)`` gives ``"unit 7"``; ``(32, 4, 4)`` gives ``"ch 3 @ (1, 2)"`` (channel, row, column).
    Explained in chapter 1, "Unit semantics".
    """
    shape = tuple(int(s) for s in shape)
    n = math.prod(shape)
    if not 0 <= int(unit) < n:
        raise ValueError(f"unit {unit} is outside a layer of {n} units (shape {shape})")
    if len(shape) == 1:
        return f"unit {int(unit)}"
    idx = np.unravel_index(int(unit), shape)
    return f"ch {idx[0]} @ {tuple(int(i) for i in idx[1:])}"


def activity_masks(acts: torch.Tensor, k: int) -> dict[str, torch.Tensor]:
    """Which units the held-out set can rank: boolean masks ``dead``, ``underactive`` and ``usable``.

    ``dead``: the unit takes one value on every image (zero variance; a ReLU unit never active).
    ``underactive``: fewer than ``k`` images lift it above its own minimum, so part of its top-k
    set would be chosen by the tie-break, not by the unit (dead units are underactive too).
    ``usable`` = not underactive: the rule by which units are kept. Random directions need no such
    rule (a constant coordinate shifts every projection equally and leaves the ranking alone).
    Explained in chapter 1, "Unit semantics".
    """
    _check_acts(acts)
    lo, hi = acts.amin(0), acts.amax(0)
    above = (acts > lo).sum(0)
    dead = hi == lo
    underactive = above < int(k)
    return {"dead": dead, "underactive": underactive, "usable": ~underactive}


def _check_acts(acts: torch.Tensor) -> None:
    if acts.dim() != 2 or acts.shape[0] == 0 or acts.shape[1] == 0:
        raise ValueError(f"activations must be a matrix [N images, n units], got shape {tuple(acts.shape)}")
    if not torch.isfinite(acts).all():
        raise ValueError("activations contain NaN or inf: check the model and the input images")


# --------------------------------------------------------------------------------------------
# Directions and top-k selection
# --------------------------------------------------------------------------------------------


def random_directions(
    n_directions: int, dim: int, *, seed: int, device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``n_directions`` random unit vectors in R^dim (rows), Gaussian then normalised: uniform on the sphere.

    Drawn in float64 by a CPU generator seeded with ``seed``, so the same seed gives the same
    directions on every device; then cast to ``dtype`` and moved to ``device``.
    Explained in chapter 2, "Random directions".
    """
    if int(n_directions) <= 0 or int(dim) <= 0:
        raise ValueError(f"n_directions and dim must be positive, got {n_directions!r} and {dim!r}")
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    v = torch.randn(int(n_directions), int(dim), generator=g, dtype=torch.float64)
    v = v / v.norm(dim=1, keepdim=True)
    return v.to(device=device, dtype=dtype)


def top_k(scores: torch.Tensor, k: int, *, chunk_elements: int = 1 << 22) -> tuple[torch.Tensor, torch.Tensor]:
    """The k largest entries of every column of ``scores [N, D]``: values and row indices, ``[D, k]`` each.

    Ties are broken by the lower image index (a stable sort), so the choice is the same on every
    device even for ReLU units that are zero on many images. Columns are sorted in chunks of
    about ``chunk_elements`` entries to bound memory. Explained in chapter 1, "Unit semantics".
    """
    if scores.dim() != 2:
        raise ValueError(f"scores must be a matrix [N images, D directions], got shape {tuple(scores.shape)}")
    n, d = scores.shape
    if not 1 <= int(k) <= n:
        raise ValueError(f"k={k!r} must be between 1 and the number of images ({n})")
    if torch.isnan(scores).any():
        raise ValueError("scores contain NaN: check the activations")
    step = max(1, int(chunk_elements) // max(n, 1))
    vals, idxs = [], []
    for j in range(0, d, step):
        block = scores[:, j : j + step].T.contiguous()  # [c, N]
        v, i = torch.sort(block, dim=1, descending=True, stable=True)
        vals.append(v[:, :k])
        idxs.append(i[:, :k])
    return torch.cat(vals), torch.cat(idxs)


def top_k_units(acts: torch.Tensor, units: torch.Tensor | Sequence[int], k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k images of natural-basis directions e_i: ``argmax_x <φ(x), e_i>`` is the column of unit i.

    Explained in chapter 1, "Unit semantics".
    """
    _check_acts(acts)
    units = torch.as_tensor(units, dtype=torch.long, device=acts.device).reshape(-1)
    if len(units) and (units.min() < 0 or units.max() >= acts.shape[1]):
        raise ValueError(f"unit indices must lie in [0, {acts.shape[1]}), got {units.min()}..{units.max()}")
    return top_k(acts[:, units], k)


def top_k_directions(acts: torch.Tensor, directions: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k images of each direction v (rows of ``directions [D, n_units]``): ``argmax_x <φ(x), v>``.

    One matmul ``acts @ directions.T`` and one sort. Explained in chapter 2, "Random directions".
    """
    _check_acts(acts)
    if directions.dim() != 2 or directions.shape[1] != acts.shape[1]:
        raise ValueError(
            f"directions must be [D, {acts.shape[1]}] (one row per direction, as many columns as units), "
            f"got shape {tuple(directions.shape)}"
        )
    return top_k(acts @ directions.to(acts.device, acts.dtype).T, k)


def pooled_projections(
    maps: torch.Tensor, directions: torch.Tensor, reduce: str = "max", *, chunk_elements: int = 1 << 21,
) -> torch.Tensor:
    """``<v, a_p(x)>`` at every position p of a convolutional map, pooled over the positions: ``[N, D]``.

    ``maps [N, C, ...]`` (channels first), ``directions [D, C]``. With ``reduce="max"`` a direction
    is scored the way a channel is in the channel-max view: a random mixture of the channels
    (the same at every position, as Network Dissection's random rotation of a layer) and then its
    largest response over the image. Computed in blocks of images of about ``chunk_elements``
    projections each (small enough to stay in cache). Explained in chapter 2, "Random directions".
    """
    if maps.dim() < 3:
        raise ValueError(f"maps must be convolutional outputs [N, C, positions...], got shape {tuple(maps.shape)}")
    if reduce not in ("max", "mean"):
        raise ValueError(f"reduce={reduce!r}: pooled projections use 'max' or 'mean'")
    n, c = maps.shape[:2]
    if directions.dim() != 2 or directions.shape[1] != c:
        raise ValueError(f"directions must be [D, {c}] (one weight per channel), got shape {tuple(directions.shape)}")
    per_pos = maps.flatten(2).transpose(1, 2)  # [N, P, C]
    v_t = directions.to(maps.device, maps.dtype).T.contiguous()  # [C, D]
    step = max(1, int(chunk_elements) // max(1, per_pos.shape[1] * v_t.shape[1]))
    out = maps.new_empty(n, v_t.shape[1])
    for i in range(0, n, step):
        proj = per_pos[i : i + step].contiguous() @ v_t  # [b, P, D]
        out[i : i + step] = proj.amax(1) if reduce == "max" else proj.mean(1)
    return out


def random_subsets(n: int, k: int, n_subsets: int, *, seed: int) -> torch.Tensor:
    """``n_subsets`` random k-subsets of ``range(n)`` (without replacement inside a subset), ``[S, k]``.

    The chance level of every coherence score. Seeded CPU generator, same on every machine.
    Explained in chapter 2, "Random directions".
    """
    if not 1 <= int(k) <= int(n) or int(n_subsets) <= 0:
        raise ValueError(f"need 1 <= k <= n and n_subsets > 0, got n={n!r}, k={k!r}, n_subsets={n_subsets!r}")
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    out = []
    step = max(1, (1 << 22) // int(n))
    for s in range(0, int(n_subsets), step):
        keys = torch.rand(min(step, int(n_subsets) - s), int(n), generator=g)
        out.append(keys.argsort(dim=1)[:, : int(k)])
    return torch.cat(out)


# --------------------------------------------------------------------------------------------
# Coherence scores of top-k sets
# --------------------------------------------------------------------------------------------


def label_purity(
    labels: torch.Tensor, indices: torch.Tensor, n_classes: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Share of the majority label in each top-k set, and that label: ``[D]`` float and ``[D]`` long.

    Purity is 1 when all k images share a class and at least 1/k; for k random MNIST test images
    it is about 0.3 (see ``random_subsets``). Ties between majority labels go to the lower label.
    Explained in chapter 1, "Unit semantics".
    """
    labels = torch.as_tensor(labels)
    if labels.dim() != 1 or labels.dtype.is_floating_point:
        raise ValueError(f"labels must be a 1-D integer tensor, got shape {tuple(labels.shape)} {labels.dtype}")
    if (labels < 0).any():
        raise ValueError("labels must be non-negative class indices (a flat image folder has no labels)")
    indices = _check_indices(indices, len(labels))
    c = int(n_classes) if n_classes is not None else int(labels.max()) + 1
    lab = labels.to(indices.device)[indices]  # [D, k]
    counts = torch.zeros(lab.shape[0], c, dtype=torch.long, device=lab.device)
    counts.scatter_add_(1, lab, torch.ones_like(lab))
    top = counts.amax(1)
    arg = (counts == top[:, None]).int().argmax(1)  # the first (lowest) of the tied majority labels
    return top.double() / indices.shape[1], arg


def mean_pairwise_cosine(features: torch.Tensor, indices: torch.Tensor, *, center: bool = True) -> torch.Tensor:
    """Mean cosine similarity over the k(k-1)/2 pairs of each top-k set, ``[D]`` (float64).

    ``features [N, d]`` is any representation of the N images: pixels, or activations of some
    layer. With ``center`` the mean over the N images is subtracted first, so that k random images
    score about 0 instead of the large positive cosine every pair of non-negative vectors has.
    A feature vector of zero norm counts as cosine 0 with everything. Uses ``|Σ u|² = k + 2 Σ_pairs
    cos`` for unit vectors u, so the cost is O(D k d). Explained in chapter 2, "Random directions".
    """
    if features.dim() != 2:
        raise ValueError(f"features must be a matrix [N images, d], got shape {tuple(features.shape)}")
    indices = _check_indices(indices, features.shape[0])
    k = indices.shape[1]
    if k < 2:
        raise ValueError("a pairwise similarity needs k >= 2 images per set")
    f = features.double()
    if center:
        f = f - f.mean(0, keepdim=True)
    norms = f.norm(dim=1, keepdim=True)
    u = torch.where(norms > 0, f / norms.clamp_min(torch.finfo(f.dtype).tiny), torch.zeros_like(f))
    nonzero = (norms[:, 0] > 0).double()
    idx = indices.to(u.device)
    s = u[idx].sum(1)  # [D, d]
    diag = nonzero[idx].sum(1)  # Σ |u|² over the set (k unless zero vectors)
    return ((s * s).sum(1) - diag) / (k * (k - 1))


def _check_indices(indices: torch.Tensor, n: int) -> torch.Tensor:
    indices = torch.as_tensor(indices)
    if indices.dim() != 2 or indices.dtype.is_floating_point:
        raise ValueError(f"indices must be an integer matrix [D sets, k], got shape {tuple(indices.shape)}")
    if indices.numel() and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices must lie in [0, {n}), got {int(indices.min())}..{int(indices.max())}")
    return indices.long()


# --------------------------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------------------------


@dataclass
class TopKSets:
    """Top-k sets of D directions and their coherence scores (all tensors have first dimension D).

    Explained in chapter 2, "Random directions".
    """

    kind: str  # "unit", "random" or "baseline"
    ids: torch.Tensor  # unit index (units), direction number (random) or subset number (baseline)
    indices: torch.Tensor  # [D, k] image indices, best first
    values: torch.Tensor | None  # [D, k] projections <φ(x), d> (None for the baseline)
    scores: dict[str, torch.Tensor] = field(default_factory=dict)  # name -> [D]
    majority: torch.Tensor | None = None  # [D] majority label (when labels were given)


@dataclass
class UnitsVsRandom:
    """Result of :func:`unit_vs_random` for one layer. Explained in chapter 2, "Random directions"."""

    k: int
    n_units_total: int
    dead: torch.Tensor  # [n_units] bool
    underactive: torch.Tensor  # [n_units] bool
    units: TopKSets
    random: TopKSets
    baseline: TopKSets
    directions: torch.Tensor  # [D, n_units] the random directions
    comparisons: dict[str, Comparison]

    def table(self):
        """Mean of every score for units, random directions and random k-subsets, with the tests (pandas)."""
        import pandas as pd

        rows = []
        for name, c in self.comparisons.items():
            rows.append({
                "score": name, "units": c.mean_units, "random directions": c.mean_random,
                "random k-subsets": float(self.baseline.scores[name].mean()), "difference": c.difference,
                "CI low": c.ci_low, "CI high": c.ci_high, "p (permutation)": c.p_permutation,
                "p (Mann-Whitney)": c.p_mann_whitney, "rank-biserial r": c.rank_biserial,
            })
        return pd.DataFrame(rows).set_index("score")

    def exclusion_note(self) -> str:
        """Says how many units were dead or underactive and so left out (the stated rule)."""
        n_dead, n_under = int(self.dead.sum()), int(self.underactive.sum())
        return (
            f"{self.n_units_total} units, {self.n_units_total - n_under} analysed; {n_under} left out: "
            f"{n_dead} dead (constant), {n_under - n_dead} above their minimum on fewer than {self.k} images"
        )


def _score_sets(sets: TopKSets, labels, features: dict[str, torch.Tensor], n_classes: int | None) -> None:
    if labels is not None:
        sets.scores["purity"], sets.majority = label_purity(labels, sets.indices, n_classes)
    for name, f in features.items():
        sets.scores[f"cosine ({name})"] = mean_pairwise_cosine(f, sets.indices)


def unit_vs_random(
    acts: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    k: int = 10,
    n_directions: int = 100,
    seed: int = 0,
    features: dict[str, torch.Tensor] | None = None,
    units: torch.Tensor | Sequence[int] | None = None,
    n_baseline: int = 1000,
    n_permutations: int = 10_000,
    n_bootstrap: int = 2000,
    n_classes: int | None = None,
    pool: str | None = None,
) -> UnitsVsRandom:
    """Top-k sets of units and of random directions, their scores, chance level and the tests, for one layer.

    ``acts [N, n_units]`` from :func:`layer_activations`; ``labels [N]`` give the purity score;
    ``features`` maps names to other representations of the same N images (e.g. ``{"pixels":
    x, "layer": acts}``) for label-free cosine scores. Units are ``units`` (default: all) minus the
    underactive ones (:func:`activity_masks`). Seeds: ``seed + SEED_OFFSETS[...]`` for the
    directions, the baseline subsets, the permutations and the bootstrap.

    ``pool="max"`` (or ``"mean"``) is the channel view of a convolutional layer: ``acts`` is then
    its map ``[N, C, H, W]``, a unit is a channel pooled over the positions, and a random
    direction a random mixture of the channels pooled the same way (:func:`pooled_projections`).
    Explained in chapter 2, "Random directions".
    """
    maps = None
    if pool is not None:
        if acts.dim() < 3:
            raise ValueError(f"pool={pool!r} needs the layer's map [N, C, H, W], from layer_activations(..., "
                             f"reduce='none'); got shape {tuple(acts.shape)}")
        maps, acts = acts, reduce_units(acts, pool)
    _check_acts(acts)
    n, m = acts.shape
    features = dict(features or {})
    for name, f in features.items():
        if f.dim() != 2 or f.shape[0] != n:
            raise ValueError(f"features[{name!r}] must be [N={n}, d], got shape {tuple(f.shape)}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} images")
    if labels is None and not features:
        raise ValueError("give labels (purity) or features (cosine scores): there is nothing to score")
    masks = activity_masks(acts, k)
    cand = torch.arange(m) if units is None else torch.as_tensor(units, dtype=torch.long).reshape(-1).cpu()
    if len(cand) and (cand.min() < 0 or cand.max() >= m):
        raise ValueError(f"units must be indices in [0, {m}), got {int(cand.min())}..{int(cand.max())}")
    keep = cand[masks["usable"].cpu()[cand]]
    if len(keep) < 2:
        raise ValueError(f"only {len(keep)} of the {len(cand)} chosen units are active on at least k={k} images")
    vals, idx = top_k_units(acts, keep, k)
    unit_sets = TopKSets("unit", keep, idx, vals)
    dirs = random_directions(n_directions, m, seed=seed + SEED_OFFSETS["directions"], device=acts.device,
                             dtype=acts.dtype)
    if maps is None:
        vals, idx = top_k_directions(acts, dirs, k)
    else:
        vals, idx = top_k(pooled_projections(maps, dirs, pool), k)
    rand_sets = TopKSets("random", torch.arange(n_directions), idx, vals)
    base_idx = random_subsets(n, k, n_baseline, seed=seed + SEED_OFFSETS["baseline"]).to(acts.device)
    base_sets = TopKSets("baseline", torch.arange(n_baseline), base_idx, None)
    for s in (unit_sets, rand_sets, base_sets):
        _score_sets(s, labels, features, n_classes)
    comparisons = {
        name: compare_scores(unit_sets.scores[name], rand_sets.scores[name], score=name,
                             n_permutations=n_permutations, n_bootstrap=n_bootstrap,
                             seed=seed + SEED_OFFSETS["permutation"])
        for name in unit_sets.scores
    }
    return UnitsVsRandom(k=k, n_units_total=m, dead=masks["dead"].cpu(), underactive=masks["underactive"].cpu(),
                         units=unit_sets, random=rand_sets, baseline=base_sets, directions=dirs,
                         comparisons=comparisons)


def summary_table(results: Mapping[str, UnitsVsRandom], scores: Sequence[str] | None = None):
    """One row per (layer, score) of several :func:`unit_vs_random` results, every cell as text (pandas).

    Means with three decimals (averages over tens to thousands of sets), the difference of the
    means (units minus random directions) with its bootstrap interval, the permutation p-value
    (:func:`intriguing.stats.format_p`) and the rank-biserial r with two decimals. ``scores``
    picks and orders the scores (default: all, in the order they were computed); a score missing
    from a result is skipped for that result. Explained in chapter 2, "Random directions".
    """
    import pandas as pd

    if not results:
        raise ValueError("results is empty: pass {layer name: unit_vs_random(...)}")
    rows = []
    for layer, r in results.items():
        for name in (scores if scores is not None else list(r.comparisons)):
            if name not in r.comparisons:
                continue
            c = r.comparisons[name]
            rows.append({
                "layer": layer, "score": name,
                "units analysed": f"{c.n_units} of {r.n_units_total}",
                "units": f"{c.mean_units:.3f}",
                "random directions": f"{c.mean_random:.3f}",
                "random k-subsets": f"{float(r.baseline.scores[name].mean()):.3f}",
                f"difference [{c.ci_level:.0%} CI]": f"{c.difference:+.3f} [{c.ci_low:+.3f}, {c.ci_high:+.3f}]",
                "p (permutation)": format_p(c.p_permutation, c.n_permutations),
                "rank-biserial r": f"{c.rank_biserial:+.2f}",
            })
    if not rows:
        raise ValueError(f"none of the scores {list(scores or [])} was computed for these results")
    return pd.DataFrame(rows).set_index(["layer", "score"])


# --------------------------------------------------------------------------------------------
# Which sets a figure shows
# --------------------------------------------------------------------------------------------


def select_by_variance(
    acts: torch.Tensor, n: int, *, candidates: torch.Tensor | Sequence[int] | None = None
) -> torch.Tensor:
    """The ``n`` units (among ``candidates``, default all) with the largest activation variance, largest first.

    A rule for the figure rows that is not hand-picking: the units that vary most over the
    held-out set. Ties go to the lower unit index. Explained in chapter 1, "Unit semantics".
    """
    _check_acts(acts)
    cand = (torch.arange(acts.shape[1]) if candidates is None
            else torch.as_tensor(candidates, dtype=torch.long).reshape(-1))
    if not 1 <= int(n) <= len(cand):
        raise ValueError(f"n={n!r} must be between 1 and the number of candidate units ({len(cand)})")
    var = acts[:, cand.to(acts.device)].double().var(0).cpu()
    order = torch.sort(var, descending=True, stable=True).indices
    return cand[order[: int(n)]]


def select_by_quantiles(scores: torch.Tensor, n: int) -> torch.Tensor:
    """Positions of ``n`` entries of ``scores`` at evenly spaced quantiles, from the highest to the lowest.

    With n = 4 this shows the best, two middle and the worst set: the figure shows the spread of
    the score instead of its best cases. Ties are ordered by position. Explained in chapter 1, "Unit semantics".
    """
    scores = torch.as_tensor(scores).reshape(-1).cpu()
    if not 1 <= int(n) <= len(scores):
        raise ValueError(f"n={n!r} must be between 1 and the number of scores ({len(scores)})")
    order = torch.sort(scores, descending=True, stable=True).indices
    pos = np.unique(np.round(np.linspace(0, len(scores) - 1, int(n))).astype(int)) if n > 1 else np.array([0])
    return order[torch.as_tensor(pos)]


def figure_rows(
    result: UnitsVsRandom, kind: str = "unit", n: int = 4, *, rule: str = "quantiles", score: str = "purity",
    acts: torch.Tensor | None = None, unit_shape: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[torch.Tensor, list[str]]:
    """Which top-k sets a figure shows, by a stated rule: their image indices ``[n, k]`` and row labels.

    ``rule``: ``"quantiles"`` (evenly spaced quantiles of ``score``, best first),
    ``"variance"`` (units only, needs ``acts``: the most variable units) or ``"first"`` (the first
    n: for random directions, whose order is just the seed's). Labels name the unit (with
    ``unit_shape``, the layer's per-image shape, as channel and position) or the direction, and the
    score: purity exactly, as the majority label (its name from ``class_names`` when given) and
    its count, e.g. ``"7: 9/10"``; other scores with two decimals. Explained in chapter 2,
    "Random directions".
    """
    if kind not in ("unit", "random"):
        raise ValueError(f"kind={kind!r}: use 'unit' or 'random'")
    sets = result.units if kind == "unit" else result.random
    if score not in sets.scores:
        raise ValueError(f"score {score!r} was not computed: choose one of {list(sets.scores)}")
    if not 1 <= int(n) <= len(sets.ids):
        raise ValueError(f"n={n!r} must be between 1 and {len(sets.ids)}")
    if rule == "quantiles":
        pos = select_by_quantiles(sets.scores[score], n)
    elif rule == "first":
        pos = torch.arange(int(n))
    elif rule == "variance":
        if kind != "unit" or acts is None:
            raise ValueError("rule='variance' applies to units and needs acts=<the layer's activations>")
        chosen = select_by_variance(acts, n, candidates=sets.ids)
        where = {int(u): i for i, u in enumerate(sets.ids)}
        pos = torch.tensor([where[int(u)] for u in chosen])
    else:
        raise ValueError(f"rule={rule!r}: use 'quantiles', 'variance' or 'first'")
    labels = []
    for p in pos.tolist():
        i = int(sets.ids[p])
        name = (describe_unit(i, unit_shape) if unit_shape is not None else f"unit {i}") if kind == "unit" \
            else f"direction {i}"
        value = float(sets.scores[score][p])
        if score == "purity" and sets.majority is not None:
            k = sets.indices.shape[1]
            maj = int(sets.majority[p])
            cls = class_names[maj] if class_names is not None and 0 <= maj < len(class_names) else str(maj)
            labels.append(f"{name}\n{cls}: {round(value * k)}/{k}")
        else:
            labels.append(f"{name}\n{score} {value:.2f}")
    return sets.indices[pos], labels
