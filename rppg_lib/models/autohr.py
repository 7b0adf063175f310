"""AutoHR search space, searched/derived networks and one bi-level search step (Yu et al. 2020, Sec. II-B).

The network (Fig. 3a) is a stem, four blocks of two cells and a head that
returns one PPG value per input frame; spatial MaxPools follow the first three
blocks with strides 1x2x2, 2 and 2 (so time is pooled by 4 and space by 8 in
all). A cell (Fig. 3b) is a small DAG: input node(s), three intermediate nodes
``B1..B3`` and an output node, the channel concatenation of ``B1..B3``. Every
edge ``(i, j)`` into an intermediate node carries one of the nine candidate
operations of Fig. 3c (:data:`PRIMITIVES`).

Pieces
------
- :class:`MixedOp`: the relaxed edge, ``sum_o softmax(alpha)_o * o(x)`` (Sec. II-B).
- :class:`AutoHRSearchNet`: the supernet, with PC-DARTS partial channel
  connections (:data:`PC_K`) and edge normalisation (the paper's "similar to
  [24]"), ``config="shared"`` (one set of architecture parameters for all
  eight cells) or ``"varied"`` (one set per block).
- :func:`derive_genotype` / :meth:`AutoHRSearchNet.genotype`: the discrete
  cell(s): each edge keeps its strongest operation other than ``none``, each
  intermediate node its two strongest incoming edges.
- :class:`AutoHRNet`: a network built from a :class:`Genotype`, trained from
  scratch; :data:`MANUAL_GENOTYPE` is the hand-made baseline.
- :func:`make_search_optimizers`, :func:`search_step`: first-order DARTS.

What the paper gives and what we chose
--------------------------------------
Given (named defaults below): 9 candidate operations with TDC thetas 0.2 and 1;
4 blocks x 2 cells; pools 1x2x2, 2, 2 after blocks 1-3; 3 intermediate nodes;
shared vs varied; search on 128-frame 112x112 clips with 8 initial channels,
doubled (16) for training; Adam lr 1e-4 / wd 5e-5 (weights) and lr 6e-4 /
wd 1e-3 (architecture); 12 search epochs, the architecture frozen for the
first 5; batch 2 when searching, 4 when training on 160-frame clips.

Not given, chosen here (all are arguments):

- Input nodes: Fig. 3b draws *one* input node (the previous cell's output);
  ``n_inputs=1`` follows it. Then ``B1`` has a single possible input and keeps
  it, so the "two incoming edges" rule applies to ``B2`` and ``B3`` only.
  ``n_inputs=2`` gives the DARTS cell (outputs of the two previous cells; the
  older one is max-pooled with the newer one when a block boundary pools).
- Operations: ReLU -> conv (no bias) -> BatchNorm, with "same" padding and
  stride 1, as in DARTS and in the authors' public 3-D NAS code (3DCDC-NAS);
  BatchNorm without affine parameters in the supernet (DARTS). Each input node
  is first mapped to the cell width by ReLU -> 1x1x1 conv -> BatchNorm.
- Stem: Conv 1x5x5 (PhysNet's first layer, same authors) -> BN -> ReLU, no pooling.
- Head: PhysNet's decoder: two ConvTranspose3d (4x1x1, stride 2 in time) ->
  BN -> ELU restore the time axis, spatial average, adaptive average to the
  input length ``T`` (so any ``T >= 4`` works), a 1x1x1 conv to one channel.
- Widths: every cell has ``width`` channels per node (``3 * width`` out); the
  paper does not say how widths change over blocks, so ``width_mults`` is
  (1, 1, 1, 1), PhysNet's constant width; pass e.g. (1, 2, 2, 4) to grow it.
- Partial channels: PC-DARTS's default ``K = 4`` (a quarter of each edge's
  channels goes through the mixed op, the rest bypasses it, then a channel
  shuffle); edge normalisation: node ``j`` sums its edges weighted by
  ``softmax(beta_j)``; the edge score used for derivation is
  ``softmax(beta_j)_i * softmax(alpha_ij)_o`` (PC-DARTS).
- "Varied" means one set of architecture parameters per block (the paper:
  "all the four blocks to be searched are varied"); the two cells of a block share it.
- Input normalisation: each clip z-normalised per channel (library
  convention, as :class:`~rppg_lib.models.physnet.PhysNetUpsample`).
- Architecture Adam betas (0.5, 0.999): DARTS / PC-DARTS code; the paper gives lr and wd only.
- Manual baseline (Fig. 4c "without NAS"): the paper does not describe it;
  :data:`MANUAL_GENOTYPE` is a chain of three vanilla 3x3x3 convolutions per
  cell, i.e. PhysNet's building block in the same macro network.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tdc import TDC3d

__all__ = [
    "PRIMITIVES",
    "PRIMITIVES_NO_TDC",
    "PC_K",
    "N_NODES",
    "N_BLOCKS",
    "CELLS_PER_BLOCK",
    "SEARCH_WIDTH",
    "TRAIN_WIDTH",
    "Genotype",
    "MANUAL_GENOTYPE",
    "make_op",
    "MixedOp",
    "channel_shuffle",
    "AutoHRSearchNet",
    "AutoHRNet",
    "derive_genotype",
    "validate_genotype",
    "make_search_optimizers",
    "search_step",
]

# ----------------------------------------------------------------------------
# paper numbers (named defaults)
# ----------------------------------------------------------------------------
#: Candidate operations of Fig. 3c, in a fixed order (the order of the alphas).
PRIMITIVES: tuple[str, ...] = (
    "none", "skip_connect",
    "conv_1x3x3", "conv_1x5x5", "conv_3x1x1", "conv_5x1x1", "conv_3x3x3",
    "tdc_3x3x3_0.2", "tdc_3x3x3_1.0",
)
#: The search space "without TDC" of Fig. 4c.
PRIMITIVES_NO_TDC: tuple[str, ...] = PRIMITIVES[:7]
#: Intermediate nodes per cell (B1, B2, B3).
N_NODES = 3
#: Blocks of cells, and cells per block (Fig. 3a).
N_BLOCKS = 4
CELLS_PER_BLOCK = 2
#: MaxPool after blocks 1, 2, 3 (kernel = stride); block 4 has none.
POOL_STRIDES: tuple[tuple[int, int, int], ...] = ((1, 2, 2), (2, 2, 2), (2, 2, 2))
#: Kind of those pools: "max" (Fig. 3a, the paper) or "avg" (PhysNet's; a choice for small crops, where
#: a spatial max over a few pixels follows the noise rather than the skin's mean colour).
POOL_KINDS = ("max", "avg")
#: Initial channels when searching, doubled for training (App. B).
SEARCH_WIDTH = 8
TRAIN_WIDTH = 16
#: Clip lengths (frames) and frame size of App. B.
SEARCH_FRAMES = 128
TRAIN_FRAMES = 160
FRAME_SIZE = 112
#: Adam for the weights and for the architecture (App. B).
WEIGHT_LR, WEIGHT_WD = 1e-4, 5e-5
ARCH_LR, ARCH_WD = 6e-4, 1e-3
#: Not in the paper: Adam betas of the architecture optimiser in DARTS / PC-DARTS code.
ARCH_BETAS = (0.5, 0.999)
#: Search epochs, epochs with the architecture frozen, search batch (App. B).
SEARCH_EPOCHS, ARCH_WARMUP_EPOCHS, SEARCH_BATCH = 12, 5, 2
#: Training epochs and batch (App. B).
TRAIN_EPOCHS, TRAIN_BATCH = 15, 4
#: Not in the paper: PC-DARTS's default share 1/K of channels through each mixed op.
PC_K = 4


# ----------------------------------------------------------------------------
# operations
# ----------------------------------------------------------------------------
class Zero(nn.Module):
    """The ``none`` operation: zeros of the input's shape."""

    def forward(self, x):
        return x.mul(0.0)


def _relu_conv_bn(c_in: int, c_out: int, conv: nn.Module, affine: bool) -> nn.Sequential:
    return nn.Sequential(nn.ReLU(inplace=False), conv, nn.BatchNorm3d(c_out, affine=affine))


def _conv(c: int, kernel) -> nn.Conv3d:
    pad = tuple(k // 2 for k in kernel)
    return nn.Conv3d(c, c, kernel, padding=pad, bias=False)


_CONV_KERNELS = {
    "conv_1x3x3": (1, 3, 3), "conv_1x5x5": (1, 5, 5),
    "conv_3x1x1": (3, 1, 1), "conv_5x1x1": (5, 1, 1), "conv_3x3x3": (3, 3, 3),
}


def make_op(name: str, channels: int, affine: bool = True) -> nn.Module:
    """One candidate operation on ``channels`` channels, shape-preserving.

    ``none`` -> zeros; ``skip_connect`` -> identity; ``conv_AxBxC`` -> ReLU,
    Conv3d with that (T, H, W) kernel, BN; ``tdc_3x3x3_<theta>`` -> ReLU,
    :class:`~rppg_lib.models.tdc.TDC3d`, BN.
    """
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name in _CONV_KERNELS:
        return _relu_conv_bn(channels, channels, _conv(channels, _CONV_KERNELS[name]), affine)
    if name.startswith("tdc_3x3x3_"):
        theta = float(name.rsplit("_", 1)[1])
        return _relu_conv_bn(channels, channels, TDC3d(channels, channels, 3, theta=theta), affine)
    raise ValueError(f"unknown operation {name!r}; known: {', '.join(PRIMITIVES)}")


class MixedOp(nn.Module):
    """A relaxed edge: ``sum_o weights[o] * op_o(x)`` over ``primitives`` (Sec. II-B).

    ``weights`` are the softmax of the edge's architecture parameters (the
    caller passes them, so shared cells can share them). ``none`` is skipped in
    the sum: its term is zero.
    """

    def __init__(self, channels: int, primitives: Sequence[str] = PRIMITIVES, affine: bool = False):
        super().__init__()
        self.primitives = tuple(primitives)
        self.ops = nn.ModuleList(make_op(p, channels, affine) for p in self.primitives)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        if weights.shape != (len(self.ops),):
            raise ValueError(f"expected {len(self.ops)} weights, got shape {tuple(weights.shape)}")
        out = torch.zeros_like(x)
        for w, name, op in zip(weights, self.primitives, self.ops):
            if name != "none":
                out = out + w * op(x)
        return out


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave the channels of ``groups`` equal groups (ShuffleNet; PC-DARTS after each edge)."""
    n, c = x.shape[:2]
    return x.view(n, groups, c // groups, *x.shape[2:]).transpose(1, 2).reshape(x.shape)


def _preprocess(c_in: int, c_out: int, affine: bool) -> nn.Sequential:
    return _relu_conv_bn(c_in, c_out, nn.Conv3d(c_in, c_out, 1, bias=False), affine)


def _edge_sources(n_nodes: int, n_inputs: int) -> list[tuple[int, int]]:
    """``(node, source)`` of every edge, node-major; sources ``< n_inputs`` are input nodes."""
    return [(j, i) for j in range(n_nodes) for i in range(n_inputs + j)]


# ----------------------------------------------------------------------------
# genotype
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Genotype:
    """A discrete architecture.

    ``cells``: one cell (shared) or one per block (varied). A cell is a tuple
    of intermediate nodes; a node is a tuple of ``(operation, source)`` pairs,
    the node being the sum of ``operation(state[source])``. States
    ``0 .. n_inputs - 1`` are the input nodes, ``n_inputs + k`` is
    intermediate node ``k``. The cell's output concatenates all its nodes.
    """

    cells: tuple
    n_inputs: int = 1

    def cell(self, block: int):
        """The cell used in ``block`` (0-based)."""
        return self.cells[0] if len(self.cells) == 1 else self.cells[block]

    def __str__(self) -> str:
        def fmt(cell):
            return "; ".join(f"B{j + 1} = " + " + ".join(f"{op}({self._name(s)})" for op, s in node)
                             for j, node in enumerate(cell))
        if len(self.cells) == 1:
            return fmt(self.cells[0])
        return "\n".join(f"block {b + 1}: {fmt(c)}" for b, c in enumerate(self.cells))

    def _name(self, s: int) -> str:
        return (f"in{s}" if self.n_inputs > 1 else "in") if s < self.n_inputs else f"B{s - self.n_inputs + 1}"


#: Hand-made baseline cell (our choice; the paper does not describe its
#: manual network): B1 = conv3x3x3(in), B2 = conv3x3x3(B1), B3 = conv3x3x3(B2).
MANUAL_GENOTYPE = Genotype(cells=(((("conv_3x3x3", 0),), (("conv_3x3x3", 1),), (("conv_3x3x3", 2),)),),
                           n_inputs=1)


def validate_genotype(genotype: Genotype, primitives: Sequence[str] = PRIMITIVES, max_inputs: int = 2) -> None:
    """Raise ``ValueError`` unless every node has 1..``max_inputs`` distinct earlier sources and no ``none``."""
    if len(genotype.cells) not in (1, N_BLOCKS):
        raise ValueError(f"a genotype has 1 (shared) or {N_BLOCKS} (varied) cells, got {len(genotype.cells)}")
    for c, cell in enumerate(genotype.cells):
        for j, node in enumerate(cell):
            srcs = [s for _, s in node]
            if not 1 <= len(node) <= max_inputs:
                raise ValueError(f"cell {c} node {j} has {len(node)} inputs; need 1..{max_inputs}")
            if len(set(srcs)) != len(srcs):
                raise ValueError(f"cell {c} node {j} repeats a source: {srcs}")
            for op, s in node:
                if op == "none" or op not in primitives:
                    raise ValueError(f"cell {c} node {j}: operation {op!r} not allowed")
                if not 0 <= s < genotype.n_inputs + j:
                    raise ValueError(f"cell {c} node {j}: source {s} is not an earlier state")


def derive_genotype(alphas: torch.Tensor, betas: torch.Tensor | None, n_inputs: int = 1,
                    primitives: Sequence[str] = PRIMITIVES, n_nodes: int = N_NODES, k: int = 2) -> Genotype:
    """Discrete cells from architecture parameters (Sec. II-B, last paragraph).

    ``alphas``: ``(S, E, O)`` (S sets: 1 shared or 4 varied; E edges in the
    order of :func:`_edge_sources`; O operations); ``betas``: ``(S, E)`` edge
    normalisation parameters or None. Edge score ``p_o = softmax(beta_j)_i *
    softmax(alpha_ij)_o``; each edge keeps ``argmax_{o != none} p_o``; each node
    keeps the ``k`` edges with the largest ``max_{o != none} p_o`` (all its
    edges when it has fewer, e.g. B1 with a single input node).
    """
    primitives = tuple(primitives)
    edges = _edge_sources(n_nodes, n_inputs)
    alphas = alphas.detach()
    if alphas.ndim != 3 or alphas.shape[1:] != (len(edges), len(primitives)):
        raise ValueError(f"alphas must be (S, {len(edges)}, {len(primitives)}), got {tuple(alphas.shape)}")
    allowed = torch.tensor([p != "none" for p in primitives])
    cells = []
    for s in range(alphas.shape[0]):
        probs = F.softmax(alphas[s], dim=-1)
        if betas is not None:
            probs = probs * _edge_weights(betas[s].detach(), n_nodes, n_inputs)[:, None]
        probs = probs.masked_fill(~allowed, float("-inf"))
        best_p, best_o = probs.max(dim=-1)
        cell, e0 = [], 0
        for j in range(n_nodes):
            n_src = n_inputs + j
            order = sorted(range(n_src), key=lambda i: -best_p[e0 + i].item())[:k]
            cell.append(tuple((primitives[best_o[e0 + i].item()], i) for i in sorted(order)))
            e0 += n_src
        cells.append(tuple(cell))
    return Genotype(cells=tuple(cells), n_inputs=n_inputs)


def _edge_weights(beta: torch.Tensor, n_nodes: int, n_inputs: int) -> torch.Tensor:
    """Edge normalisation: softmax of ``beta`` over each node's incoming edges, ``(E,)``."""
    out, e0 = [], 0
    for j in range(n_nodes):
        n_src = n_inputs + j
        out.append(F.softmax(beta[e0:e0 + n_src], dim=-1))
        e0 += n_src
    return torch.cat(out)


# ----------------------------------------------------------------------------
# cells
# ----------------------------------------------------------------------------
class SearchCell(nn.Module):
    """Supernet cell: mixed ops on every edge, partial channels, edge normalisation."""

    def __init__(self, c_prevs: Sequence[int], width: int, primitives: Sequence[str], n_nodes: int, pc_k: int):
        super().__init__()
        if width % pc_k:
            raise ValueError(f"width {width} must be divisible by the partial-channel factor pc_k = {pc_k}")
        self.n_inputs, self.n_nodes, self.pc_k = len(c_prevs), n_nodes, pc_k
        self.pre = nn.ModuleList(_preprocess(c, width, affine=False) for c in c_prevs)
        self.edges = nn.ModuleList(MixedOp(width // pc_k, primitives)
                                   for _ in _edge_sources(n_nodes, self.n_inputs))
        self.out_channels = n_nodes * width

    def _edge(self, e: int, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.pc_k == 1:
            return self.edges[e](x, w)
        c = x.shape[1] // self.pc_k
        return channel_shuffle(torch.cat([self.edges[e](x[:, :c], w), x[:, c:]], dim=1), self.pc_k)

    def forward(self, inputs: Sequence[torch.Tensor], op_weights: torch.Tensor, edge_weights: torch.Tensor):
        states = [p(x) for p, x in zip(self.pre, inputs)]
        e = 0
        for _ in range(self.n_nodes):
            node = 0
            for i in range(len(states)):
                node = node + edge_weights[e] * self._edge(e, states[i], op_weights[e])
                e += 1
            states.append(node)
        return torch.cat(states[self.n_inputs:], dim=1)


class FixedCell(nn.Module):
    """Cell of a derived network: each node sums its kept edges' operations."""

    def __init__(self, c_prevs: Sequence[int], width: int, cell_genotype):
        super().__init__()
        self.n_inputs = len(c_prevs)
        self.pre = nn.ModuleList(_preprocess(c, width, affine=True) for c in c_prevs)
        self.nodes = [tuple(s for _, s in node) for node in cell_genotype]
        self.ops = nn.ModuleList(nn.ModuleList(make_op(op, width, affine=True) for op, _ in node)
                                 for node in cell_genotype)
        self.out_channels = len(cell_genotype) * width

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        states = [p(x) for p, x in zip(self.pre, inputs)]
        for srcs, ops in zip(self.nodes, self.ops):
            states.append(sum(op(states[s]) for op, s in zip(ops, srcs)))
        return torch.cat(states[self.n_inputs:], dim=1)


# ----------------------------------------------------------------------------
# networks
# ----------------------------------------------------------------------------
class _Backbone(nn.Module):
    """Stem, 4 blocks x 2 cells with MaxPools after blocks 1-3, PhysNet-style head."""

    temporal_stride = 4
    spatial_stride = 8

    def __init__(self, in_channels: int, width: int, n_inputs: int, width_mults: Sequence[int],
                 normalize_input: bool, eps: float, pool: str = "max"):
        super().__init__()
        if pool not in POOL_KINDS:
            raise ValueError(f"pool must be one of {POOL_KINDS}, got {pool!r}")
        if in_channels < 1 or width < 1:
            raise ValueError(f"in_channels and width must be positive, got {in_channels} and {width}")
        if n_inputs not in (1, 2):
            raise ValueError(f"n_inputs must be 1 (paper, Fig. 3b) or 2 (DARTS), got {n_inputs}")
        if len(width_mults) != N_BLOCKS:
            raise ValueError(f"width_mults needs {N_BLOCKS} entries, got {len(width_mults)}")
        self.in_channels, self.width, self.n_inputs = in_channels, width, n_inputs
        self.normalize_input, self.eps = normalize_input, eps
        self.stem = nn.Sequential(nn.Conv3d(in_channels, width, (1, 5, 5), padding=(0, 2, 2), bias=False),
                                  nn.BatchNorm3d(width), nn.ReLU(inplace=True))
        self.pool = pool
        make_pool = nn.MaxPool3d if pool == "max" else nn.AvgPool3d
        self.pools = nn.ModuleList(make_pool(s, stride=s) for s in POOL_STRIDES)
        self.cells = nn.ModuleList()
        c_prevs = [width] * n_inputs
        for b in range(N_BLOCKS):
            for _ in range(CELLS_PER_BLOCK):
                cell = self._make_cell(b, c_prevs, width * width_mults[b])
                self.cells.append(cell)
                c_prevs = (c_prevs + [cell.out_channels])[-n_inputs:]
        c = c_prevs[-1]
        self.up = nn.Sequential(
            nn.ConvTranspose3d(c, c, (4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)), nn.BatchNorm3d(c), nn.ELU(),
            nn.ConvTranspose3d(c, c, (4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)), nn.BatchNorm3d(c), nn.ELU(),
        )
        self.head = nn.Conv3d(c, 1, kernel_size=1)

    def _make_cell(self, block: int, c_prevs: list[int], width: int) -> nn.Module:
        raise NotImplementedError

    def _run_cell(self, index: int, block: int, inputs: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` for a clip this network cannot take."""
        if x.ndim != 5:
            raise ValueError(f"expected a clip batch (N, C, T, H, W), got shape {tuple(x.shape)}")
        _, c, t, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"clip has {c} channels; this network was built for {self.in_channels}")
        if t < self.temporal_stride:
            raise ValueError(f"clip has {t} frames; time is pooled by {self.temporal_stride}: "
                             f"nearest valid length is {self.temporal_stride}")
        if h < self.spatial_stride or w < self.spatial_stride:
            s = self.spatial_stride
            raise ValueError(f"frame size {h}x{w} is too small: space is pooled by {s}; "
                             f"nearest valid size is {max(h, s)}x{max(w, s)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, T, H, W)`` clip -> ``(N, T)`` PPG."""
        self.check_input(x)
        t_in = x.shape[2]
        if self.normalize_input:
            x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True).clamp_min(self.eps)
        s = self.stem(x)
        states = [s] * self.n_inputs
        k = 0
        for b in range(N_BLOCKS):
            for _ in range(CELLS_PER_BLOCK):
                states = (states + [self._run_cell(k, b, states)])[-self.n_inputs:]
                k += 1
            if b < len(self.pools):
                states = [self.pools[b](s) for s in states]
        y = self.up(states[-1])
        y = F.adaptive_avg_pool3d(y, (t_in, 1, 1))
        return self.head(y)[:, 0, :, 0, 0]


class AutoHRSearchNet(_Backbone):
    """The AutoHR supernet (Fig. 3) with PC-DARTS partial channels and edge normalisation.

    Parameters
    ----------
    in_channels : colour channels (3).
    width : channels per node in block 1 (``SEARCH_WIDTH`` = 8 in the paper).
    config : ``"shared"`` (one set of alphas and betas for all cells, the
        paper's default) or ``"varied"`` (one set per block).
    primitives : candidate operations (:data:`PRIMITIVES`, or
        :data:`PRIMITIVES_NO_TDC` for the search space without TDC).
    n_inputs : input nodes per cell, 1 (paper Fig. 3b) or 2 (DARTS).
    pc_k : 1/K of each edge's channels go through the mixed op (:data:`PC_K`);
        ``width * width_mults`` must be divisible by it; 1 disables partial channels.
    width_mults : channel multiplier per block.
    normalize_input, eps : per-clip z-normalisation of the input.
    pool : ``"max"`` (the paper's MaxPools) or ``"avg"`` (:data:`POOL_KINDS`).

    Architecture parameters: ``alphas`` ``(S, E, O)`` and ``betas`` ``(S, E)``
    with S = 1 (shared) or 4 (varied), E = 6 edges for one input node (9 for
    two), O operations. :meth:`arch_parameters` and :meth:`weight_parameters`
    split the parameters for the two optimisers.

    Shapes: ``(N, C, T, H, W)`` -> ``(N, T)``; ``T >= 4``, ``H, W >= 8``.
    """

    def __init__(self, in_channels: int = 3, width: int = SEARCH_WIDTH, config: str = "shared",
                 primitives: Sequence[str] = PRIMITIVES, n_inputs: int = 1, pc_k: int = PC_K,
                 width_mults: Sequence[int] = (1, 1, 1, 1), normalize_input: bool = True, eps: float = 1e-6,
                 n_nodes: int = N_NODES, pool: str = "max"):
        if config not in ("shared", "varied"):
            raise ValueError(f"config must be 'shared' or 'varied', got {config!r}")
        self.config = config
        self.primitives = tuple(primitives)
        self.pc_k, self.n_nodes = pc_k, n_nodes
        super().__init__(in_channels, width, n_inputs, width_mults, normalize_input, eps, pool)
        n_sets = 1 if config == "shared" else N_BLOCKS
        n_edges = len(_edge_sources(n_nodes, n_inputs))
        self.alphas = nn.Parameter(1e-3 * torch.randn(n_sets, n_edges, len(self.primitives)))
        self.betas = nn.Parameter(1e-3 * torch.randn(n_sets, n_edges))

    def _make_cell(self, block, c_prevs, width):
        return SearchCell(c_prevs, width, self.primitives, self.n_nodes, self.pc_k)

    def _set(self, block: int) -> int:
        return 0 if self.config == "shared" else block

    def _run_cell(self, index, block, inputs):
        s = self._set(block)
        op_w = F.softmax(self.alphas[s], dim=-1)
        edge_w = _edge_weights(self.betas[s], self.n_nodes, self.n_inputs)
        return self.cells[index](inputs, op_w, edge_w)

    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters (alphas, betas)."""
        return [self.alphas, self.betas]

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every other parameter (the network weights)."""
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def genotype(self, k: int = 2) -> Genotype:
        """The discrete architecture the current parameters select (:func:`derive_genotype`)."""
        return derive_genotype(self.alphas, self.betas, self.n_inputs, self.primitives, self.n_nodes, k)


class AutoHRNet(_Backbone):
    """A network built from a :class:`Genotype`, for training from scratch.

    Same macro network as :class:`AutoHRSearchNet` (stem, 4 x 2 cells, pools,
    head) with one fixed operation per kept edge, full channels and affine
    BatchNorm. ``width`` defaults to ``TRAIN_WIDTH`` = 16 (the search width 8,
    doubled). The default genotype is the hand-made :data:`MANUAL_GENOTYPE`.
    ``pool``: ``"max"`` (paper) or ``"avg"`` after blocks 1-3 (:data:`POOL_KINDS`).
    """

    def __init__(self, genotype: Genotype = MANUAL_GENOTYPE, in_channels: int = 3, width: int = TRAIN_WIDTH,
                 width_mults: Sequence[int] = (1, 1, 1, 1), normalize_input: bool = True, eps: float = 1e-6,
                 primitives: Sequence[str] = PRIMITIVES, pool: str = "max"):
        validate_genotype(genotype, primitives)
        self.genotype = genotype
        super().__init__(in_channels, width, genotype.n_inputs, width_mults, normalize_input, eps, pool)

    def _make_cell(self, block, c_prevs, width):
        return FixedCell(c_prevs, width, self.genotype.cell(block))

    def _run_cell(self, index, block, inputs):
        return self.cells[index](inputs)


# ----------------------------------------------------------------------------
# search
# ----------------------------------------------------------------------------
def make_search_optimizers(model: AutoHRSearchNet, weight_lr: float = WEIGHT_LR, weight_wd: float = WEIGHT_WD,
                           arch_lr: float = ARCH_LR, arch_wd: float = ARCH_WD, arch_betas=ARCH_BETAS):
    """Adam for the weights and Adam for the architecture, with the paper's settings (App. B)."""
    w_opt = torch.optim.Adam(model.weight_parameters(), lr=weight_lr, weight_decay=weight_wd)
    a_opt = torch.optim.Adam(model.arch_parameters(), lr=arch_lr, weight_decay=arch_wd, betas=arch_betas)
    return w_opt, a_opt


def search_step(model: nn.Module, w_opt: torch.optim.Optimizer, a_opt: torch.optim.Optimizer,
                train_batch: Sequence, val_batch: Sequence, loss_fn, update_arch: bool = True,
                grad_clip: float | None = None) -> dict[str, float]:
    """One step of first-order DARTS for the bi-level problem of Eq. 2.

    1. architecture: the loss on ``val_batch`` -> gradient -> ``a_opt`` step
       (skipped when ``update_arch`` is False, e.g. in the paper's first 5 epochs);
    2. weights: the loss on ``train_batch`` -> gradient -> ``w_opt`` step.

    First order: the weights are treated as fixed while the architecture moves
    (no unrolled second-order term). A batch is ``(clip, *targets)``; the loss
    is ``loss_fn(model(clip), *targets)``. Each optimiser steps only its own
    parameters and clears its gradients first, so gradients do not leak
    between the two updates. ``grad_clip`` clips the weights' gradient norm
    (5 in DARTS code; the paper does not say). Returns the two losses.
    """
    model.train()
    out = {}
    if update_arch:
        a_opt.zero_grad()
        val_loss = loss_fn(model(val_batch[0]), *val_batch[1:])
        val_loss.backward()
        a_opt.step()
        out["val_loss"] = float(val_loss.detach())
    w_opt.zero_grad()
    train_loss = loss_fn(model(train_batch[0]), *train_batch[1:])
    train_loss.backward()
    if grad_clip is not None:
        params = [p for g in w_opt.param_groups for p in g["params"]]
        nn.utils.clip_grad_norm_(params, grad_clip)
    w_opt.step()
    out["train_loss"] = float(train_loss.detach())
    return out
