"""Pruning for Deng & Ramakrishnan: SNIP at initialisation, masks kept while training, a structured
(channel) variant at the same parameter budget, a sparse-execution Conv3d, and storage counts.

Unstructured: SNIP (Lee et al., ICLR 2019)
------------------------------------------
:func:`snip_prune` scores every *prunable* weight (the ``weight`` of each
convolution, transposed convolution and linear layer; biases and
normalisation parameters stay dense) by its connection sensitivity
``|dL/dw * w|`` on one batch at initialisation, and keeps the global top
``keep`` fraction: exactly ``round(keep * n_prunable)`` weights, ties broken by
``torch.topk``. The forward pass used for the scores leaves the model as it
was (buffers such as batch-norm running statistics are restored).

Keeping the masks while training (:func:`apply_masks`)
-----------------------------------------------------
1. the pruned weights are set to zero;
2. a gradient hook zeroes their gradients, so optimiser state (momentum, Adam
   moments) stays zero there and weight decay, which acts on a zero weight,
   adds nothing: with a fresh optimiser they stay exactly zero after every step;
3. a forward pre-hook on each masked module re-zeroes the pruned weights
   whenever the weight tensor was modified in place since the last check (its
   autograd version counter moved): this catches what (2) cannot, such as an
   optimiser whose momentum was built before pruning, a ``load_state_dict``
   of dense weights, or a manual edit. Optionally (``optimizer=``) an
   optimiser step post-hook re-zeroes them right after each step as well.

Parameter names and the state dict are left as they are (unlike
``torch.nn.utils.prune``, which renames ``weight`` to ``weight_orig``, stores
a dense mask next to it and so doubles the weights on disk), so checkpoints
load into an unpruned model and :func:`sparse_state_dict` can store them
compactly.

Structured (:func:`structured_prune`)
-------------------------------------
Removes whole output channels (and the matching inputs of the layers that read
them, through residual sums, norms and attention) with ``torch-pruning``'s
dependency graph and L1-norm channel importance, the same fraction in every
layer; the fraction is searched so the pruned model has at most ``keep`` times
the prunable weights of the dense one (the SNIP budget). Layers with at most
``min_out`` outputs (PPG heads, the skin map, STVEN's RGB output) are never
narrowed, so the outputs keep their shapes.

What this buys (see ``benchmarks/bench_deng_pruned_stven.py``)
-------------------------------------------------------------
A SNIP-masked model is dense tensors with 90 % zeros: same memory, same
latency. Stored sparsely (:func:`sparse_state_dict`, CSR with 32-bit indices)
each kept weight costs 4 bytes of value + 4 of column index, so 10 % density
gives about 5x smaller weights, not 10x (10x would need index-free storage).
Sparse execution (:class:`SparseConv3d`) is a CSR-times-dense product over an
im2col copy of the input, which on a CPU is usually slower than the dense
convolution at 10 % density. Only the structured model is smaller *and*
faster without special kernels.
"""
from __future__ import annotations

import copy
import io
import math
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "PRUNABLE_TYPES",
    "prunable_parameters",
    "snip_scores",
    "snip_prune",
    "apply_masks",
    "remove_masks",
    "reapply_masks",
    "MaskHandle",
    "structured_prune",
    "SparseConv3d",
    "to_sparse_inference",
    "count_parameters",
    "count_prunable",
    "count_nonzero",
    "sparse_state_dict",
    "load_sparse_state_dict",
    "state_dict_bytes",
    "storage_report",
]

#: modules whose ``weight`` SNIP and the structured pruner act on
PRUNABLE_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
                  nn.Linear)
#: fraction of the prunable weights SNIP keeps (Deng & Ramakrishnan: "1 among 10 connections")
KEEP = 0.1


# ----------------------------------------------------------------------------
# which weights, how many
# ----------------------------------------------------------------------------
def prunable_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    """Name (as in ``model.named_parameters()``) -> the ``weight`` of every conv / linear layer."""
    out = {}
    for mname, mod in model.named_modules():
        if isinstance(mod, PRUNABLE_TYPES) and isinstance(getattr(mod, "weight", None), nn.Parameter):
            out[f"{mname}.weight" if mname else "weight"] = mod.weight
    return out


def count_parameters(model: nn.Module) -> int:
    """All parameters (dense count)."""
    return sum(p.numel() for p in model.parameters())


def count_prunable(model: nn.Module) -> int:
    """Prunable weights (conv and linear weights)."""
    return sum(p.numel() for p in prunable_parameters(model).values())


def count_nonzero(model: nn.Module, prunable_only: bool = False) -> int:
    """Nonzero parameters (of the prunable weights only, with ``prunable_only``)."""
    params = prunable_parameters(model).values() if prunable_only else model.parameters()
    return sum(int(torch.count_nonzero(p.detach())) for p in params)


# ----------------------------------------------------------------------------
# SNIP
# ----------------------------------------------------------------------------
def snip_scores(model: nn.Module, batch, loss_fn) -> dict[str, torch.Tensor]:
    """Connection sensitivity ``|g * w|`` of every prunable weight on one batch.

    ``loss_fn(model, batch) -> scalar``. The model's buffers (batch-norm running
    statistics) are restored afterwards and no ``.grad`` is left behind.
    """
    params = prunable_parameters(model)
    if not params:
        raise ValueError("the model has no conv or linear weights to prune")
    buffers = {k: b.detach().clone() for k, b in model.named_buffers()}
    try:
        loss = loss_fn(model, batch)
        if not torch.is_tensor(loss) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor")
        grads = torch.autograd.grad(loss.reshape(()), list(params.values()), allow_unused=True)
    finally:
        with torch.no_grad():
            for k, b in model.named_buffers():
                b.copy_(buffers[k])
    return {name: (torch.zeros_like(p) if g is None else (g * p).abs()).detach()
            for (name, p), g in zip(params.items(), grads)}


def snip_prune(model: nn.Module, batch, loss_fn, keep: float = KEEP, *, apply: bool = True,
               optimizer=None) -> dict[str, torch.Tensor]:
    """SNIP: keep the ``keep`` fraction of prunable weights with the largest ``|g * w|``.

    Parameters
    ----------
    model : the network at initialisation.
    batch : whatever ``loss_fn`` takes (one batch of training data).
    loss_fn : ``(model, batch) -> scalar`` training loss.
    keep : fraction kept, 0 < keep <= 1; exactly ``round(keep * n)`` weights
        survive (at least 1), ``n`` = :func:`count_prunable`.
    apply : zero the pruned weights and keep them zero during training
        (:func:`apply_masks`); False only computes the masks.
    optimizer : passed to :func:`apply_masks` (re-zero after each of its steps).

    Returns
    -------
    ``{name: BoolTensor}`` keyed by the names of ``model.named_parameters()``,
    True where a weight is kept.
    """
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    scores = snip_scores(model, batch, loss_fn)
    flat = torch.cat([s.reshape(-1) for s in scores.values()])
    k = max(1, int(round(keep * flat.numel())))
    keep_flat = torch.zeros(flat.numel(), dtype=torch.bool, device=flat.device)
    keep_flat[torch.topk(flat, k, sorted=False).indices] = True
    masks, start = {}, 0
    for name, s in scores.items():
        masks[name] = keep_flat[start:start + s.numel()].reshape(s.shape)
        start += s.numel()
    if apply:
        apply_masks(model, masks, optimizer=optimizer)
    return masks


# ----------------------------------------------------------------------------
# keeping masks enforced
# ----------------------------------------------------------------------------
class MaskHandle:
    """The masks applied to a model and the hooks that enforce them; :meth:`remove` takes the hooks off."""

    def __init__(self, masks: dict[str, torch.Tensor]):
        self.masks = masks
        self.hooks: list = []

    def remove(self) -> None:
        for h in self.hooks:
            h.remove()
        self.hooks.clear()

    @property
    def density(self) -> float:
        kept = sum(int(m.sum()) for m in self.masks.values())
        return kept / max(1, sum(m.numel() for m in self.masks.values()))


def _owner(model: nn.Module, name: str) -> tuple[nn.Module, str]:
    mname, _, pname = name.rpartition(".")
    return (model.get_submodule(mname) if mname else model), pname


def reapply_masks(model: nn.Module, masks: dict[str, torch.Tensor]) -> None:
    """Set the pruned weights to zero again (in place)."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, mask in masks.items():
            params[name].masked_fill_(~mask.to(params[name].device), 0.0)


def apply_masks(model: nn.Module, masks: dict[str, torch.Tensor], optimizer=None) -> MaskHandle:
    """Zero the pruned weights and keep them zero while the model trains (see the module docstring).

    Replaces the masks a previous call applied. Returns a :class:`MaskHandle`,
    also stored as ``model.pruning_masks``.
    """
    remove_masks(model)
    params = dict(model.named_parameters())
    unknown = sorted(set(masks) - set(params))
    if unknown:
        raise KeyError(f"masks name parameters the model does not have: {unknown[:5]}")
    handle = MaskHandle({k: m.to(device=params[k].device, dtype=torch.bool) for k, m in masks.items()})
    reapply_masks(model, handle.masks)
    by_module: dict[nn.Module, list] = {}
    for name, mask in handle.masks.items():
        p = params[name]
        if mask.shape != p.shape:
            raise ValueError(f"mask of {name} has shape {tuple(mask.shape)}, the weight {tuple(p.shape)}")
        dead = ~mask
        handle.hooks.append(p.register_hook(lambda g, dead=dead: g.masked_fill(dead, 0.0)))
        mod, pname = _owner(model, name)
        by_module.setdefault(mod, []).append([pname, dead, p._version])

    def make_pre_hook(entries):
        def pre_hook(module, args):
            for entry in entries:
                pname, dead, seen = entry
                w = getattr(module, pname)
                if w._version != seen:          # modified in place since the last check
                    with torch.no_grad():
                        if w.masked_select(dead).any():
                            w.masked_fill_(dead, 0.0)
                    entry[2] = w._version
        return pre_hook

    for mod, entries in by_module.items():
        handle.hooks.append(mod.register_forward_pre_hook(make_pre_hook(entries)))
    if optimizer is not None:
        handle.hooks.append(optimizer.register_step_post_hook(lambda opt, a, kw: reapply_masks(model, handle.masks)))
    model.pruning_masks = handle
    return handle


def remove_masks(model: nn.Module) -> None:
    """Take off the hooks of :func:`apply_masks` (the weights stay as they are)."""
    handle = getattr(model, "pruning_masks", None)
    if handle is not None:
        handle.remove()
        del model.pruning_masks


# ----------------------------------------------------------------------------
# structured (channel) pruning
# ----------------------------------------------------------------------------
def _narrowable_layers(model: nn.Module, min_out: int) -> list[nn.Module]:
    """Layers never narrowed: conv / linear layers with at most ``min_out`` outputs."""
    out = []
    for m in model.modules():
        n_out = getattr(m, "out_channels", getattr(m, "out_features", None))
        if isinstance(m, PRUNABLE_TYPES) and n_out is not None and n_out <= min_out:
            out.append(m)
    return out


def _prune_channels(model: nn.Module, example_inputs, ratio: float, ignored, round_to):
    import torch_pruning as tp

    pruner = tp.pruner.MagnitudePruner(model, example_inputs, importance=tp.importance.MagnitudeImportance(p=1),
                                       pruning_ratio=ratio, ignored_layers=ignored, round_to=round_to)
    pruner.step()
    return model


def structured_prune(model: nn.Module, example_inputs, keep: float = KEEP, *, min_out: int = 3,
                     ignored_layers=None, round_to: int | None = None, tol: float = 0.02,
                     max_iter: int = 12) -> nn.Module:
    """A copy of ``model`` with whole channels removed (L1 norm), at most ``keep`` x its prunable weights.

    example_inputs : a tensor (or tuple) the model can run on (traced once per trial).
    min_out : layers with at most this many outputs are never narrowed (heads, RGB outputs).
    ignored_layers : more layers never narrowed.
    round_to : keep channel counts multiples of this (None: any count).
    tol, max_iter : the per-layer channel fraction is bisected until the pruned
        model's prunable weights lie in ``[(1 - tol) keep, keep]`` x the dense count.

    The returned model is a new module (``model`` is untouched) with
    ``structured_keep`` (prunable-weight fraction reached) and
    ``structured_ratio`` (channel fraction removed per layer) attributes.
    Requires ``torch-pruning``.
    """
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    if keep == 1.0:
        return copy.deepcopy(model)
    n_dense = count_prunable(model)
    target = keep * n_dense
    lo, hi = 0.0, 0.999          # channel fractions removed: lo keeps too much, hi too little
    best = None

    def trial(ratio):
        m = copy.deepcopy(model)
        ign = _narrowable_layers(m, min_out)
        if ignored_layers:
            names = {id(x): n for n, x in model.named_modules()}
            wanted = {names[id(x)] for x in ignored_layers}
            ign += [x for n, x in m.named_modules() if n in wanted]
        _prune_channels(m, example_inputs, ratio, ign, round_to)
        return m, count_prunable(m)

    ratio = 1.0 - math.sqrt(keep)   # weights scale with (1 - ratio)^2 in a chain of layers
    for _ in range(max_iter):
        m, n = trial(ratio)
        if n <= target:
            hi, best = ratio, (m, n, ratio)
            if n >= (1.0 - tol) * target:
                break
        else:
            lo = ratio
        ratio = 0.5 * (lo + hi)
    if best is None:
        raise RuntimeError(f"could not bring the prunable weights down to {keep:.3f} of {n_dense} "
                           "(too many layers excluded from pruning?)")
    m, n, ratio = best
    m.structured_keep = n / n_dense
    m.structured_ratio = ratio
    return m


# ----------------------------------------------------------------------------
# sparse execution
# ----------------------------------------------------------------------------
class SparseConv3d(nn.Module):
    """A Conv3d run as a CSR sparse weight matrix times an im2col copy of the input.

    Made from a (masked) ``nn.Conv3d`` with ``groups = 1``, ``dilation = 1`` and
    zero padding; gives the same output as the dense layer (to rounding). The
    im2col copy is built ``chunk_frames`` output frames at a time (default:
    as many as keep it under ``max_elements`` values).
    """

    def __init__(self, conv: nn.Conv3d, max_elements: int = 2**25):
        super().__init__()
        if conv.groups != 1 or tuple(conv.dilation) != (1, 1, 1) or conv.padding_mode != "zeros":
            raise ValueError("SparseConv3d supports groups = 1, dilation = 1 and zero padding only")
        if isinstance(conv.padding, str):
            raise ValueError("SparseConv3d needs numeric padding")
        self.out_channels, self.kernel_size = conv.out_channels, tuple(conv.kernel_size)
        self.stride, self.padding = tuple(conv.stride), tuple(conv.padding)
        w = conv.weight.detach().reshape(conv.out_channels, -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # "sparse CSR support is in beta"
            self.weight = w.to_sparse_csr()
        self.bias = None if conv.bias is None else conv.bias.detach().clone()
        self.max_elements = max_elements

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (kt, kh, kw), (st, sh, sw), (pt, ph, pw) = self.kernel_size, self.stride, self.padding
        x = F.pad(x, (pw, pw, ph, ph, pt, pt))
        cols = x.unfold(2, kt, st).unfold(3, kh, sh).unfold(4, kw, sw)    # (N, C, T', H', W', kt, kh, kw)
        n, c, t_out, h_out, w_out = cols.shape[:5]
        per_frame = c * kt * kh * kw * n * h_out * w_out
        step = max(1, self.max_elements // max(1, per_frame))
        out = x.new_empty(n, self.out_channels, t_out, h_out, w_out)
        for t0 in range(0, t_out, step):
            chunk = cols[:, :, t0:t0 + step]
            tc = chunk.shape[2]
            mat = chunk.permute(1, 5, 6, 7, 0, 2, 3, 4).reshape(c * kt * kh * kw, n * tc * h_out * w_out)
            y = torch.sparse.mm(self.weight, mat).reshape(self.out_channels, n, tc, h_out, w_out)
            out[:, :, t0:t0 + tc] = y.permute(1, 0, 2, 3, 4)
        if self.bias is not None:
            out += self.bias.reshape(1, -1, 1, 1, 1)
        return out


def to_sparse_inference(model: nn.Module, max_density: float = 0.5) -> nn.Module:
    """A copy of ``model`` (for inference) whose Conv3d layers sparser than ``max_density`` are
    :class:`SparseConv3d`; hooks of :func:`apply_masks` are not copied."""
    handle = getattr(model, "pruning_masks", None)
    if handle is not None:
        del model.pruning_masks
    try:
        m = copy.deepcopy(model)
    finally:
        if handle is not None:
            model.pruning_masks = handle
    for mod in m.modules():
        mod._forward_pre_hooks.clear()
    for name, mod in list(m.named_modules()):
        if type(mod) is nn.Conv3d and mod.groups == 1 and tuple(mod.dilation) == (1, 1, 1) \
                and not isinstance(mod.padding, str) and mod.padding_mode == "zeros":
            density = float(torch.count_nonzero(mod.weight)) / mod.weight.numel()
            if density <= max_density:
                parent, attr = _owner(m, name)
                setattr(parent, attr, SparseConv3d(mod))
    return m


# ----------------------------------------------------------------------------
# storage
# ----------------------------------------------------------------------------
_SHAPES_KEY = "_sparse_shapes"


def sparse_state_dict(model: nn.Module, max_density: float = 0.5, index_dtype=torch.int32) -> dict:
    """The state dict with each prunable weight sparser than ``max_density`` stored as a CSR matrix.

    A weight of shape ``(out, ...)`` becomes a CSR tensor of shape ``(out, prod(...))`` with
    ``index_dtype`` indices (int32: 4 bytes per kept weight; int64 doubles that); the original
    shapes are kept under ``"_sparse_shapes"``. :func:`load_sparse_state_dict` reverses it.
    """
    sd = {k: v.detach() for k, v in model.state_dict().items()}
    shapes = {}
    for name in prunable_parameters(model):
        w = sd[name]
        if w.numel() and float(torch.count_nonzero(w)) / w.numel() <= max_density:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # beta-state and invariant-check notices
                csr = w.reshape(w.shape[0], -1).to_sparse_csr()
                sd[name] = torch.sparse_csr_tensor(csr.crow_indices().to(index_dtype),
                                                   csr.col_indices().to(index_dtype), csr.values(), csr.shape,
                                                   check_invariants=False)
            shapes[name] = tuple(w.shape)
    sd[_SHAPES_KEY] = shapes
    return sd


def load_sparse_state_dict(model: nn.Module, sd: dict) -> None:
    """Load a state dict written by :func:`sparse_state_dict` (dense entries load as they are)."""
    sd = dict(sd)
    shapes = sd.pop(_SHAPES_KEY, {})
    for name, shape in shapes.items():
        sd[name] = sd[name].to_dense().reshape(shape)
    model.load_state_dict(sd)


def state_dict_bytes(sd: dict) -> int:
    """Bytes ``torch.save`` writes for ``sd`` (what the file on disk holds)."""
    buf = io.BytesIO()
    torch.save(sd, buf)
    return buf.getbuffer().nbytes


def storage_report(model: nn.Module) -> dict:
    """Counts and bytes on disk of ``model``: dense, CSR with int32 and with int64 indices.

    Keys: ``parameters``, ``prunable``, ``nonzero``, ``nonzero_prunable``,
    ``dense_bytes``, ``csr32_bytes``, ``csr64_bytes``, ``bitmask_bytes`` (an
    estimate: kept values + 1 bit per prunable weight + the dense rest, the
    floor for index-based formats).
    """
    dense_sd = {k: v.detach() for k, v in model.state_dict().items()}
    prunable = prunable_parameters(model)
    nz_prunable = count_nonzero(model, prunable_only=True)
    n_prunable = count_prunable(model)
    rest = sum(v.numel() * v.element_size() for k, v in dense_sd.items() if k not in prunable)
    elt = next(iter(prunable.values())).element_size() if prunable else 4
    return {
        "parameters": count_parameters(model),
        "prunable": n_prunable,
        "nonzero": count_nonzero(model),
        "nonzero_prunable": nz_prunable,
        "dense_bytes": state_dict_bytes(dense_sd),
        "csr32_bytes": state_dict_bytes(sparse_state_dict(model, index_dtype=torch.int32)),
        "csr64_bytes": state_dict_bytes(sparse_state_dict(model, index_dtype=torch.int64)),
        "bitmask_bytes": int(nz_prunable * elt + np.ceil(n_prunable / 8) + rest),
    }
