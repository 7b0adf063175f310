"""Train/test splits and clip samplers.

- :func:`subject_kfold`: k folds in which no subject is on both sides
  (deterministic for a seed);
- :func:`random_kfold`: k folds over items (recordings or clips) ignoring
  subjects, the "random split" that Niu et al. 2018 (Table IV) compare with;
- :func:`cv_folds`: either of the two by name, the two protocols of Niu et
  al. 2018, Table IV (``"random"`` and ``"subject"``);
- :func:`split_by_subject`: one subject-exclusive (train, val, test) split;
- :func:`clip_windows` / :func:`random_clip_windows`: ``(start, stop)`` index
  windows of a fixed length inside one recording; :func:`cut_clips`: every
  recording of an array cut into non-overlapping clips.

Folds are lists of ``(train_indices, test_indices)`` into the sequence given.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ..record import Recording

__all__ = ["subject_kfold", "random_kfold", "cv_folds", "CV_PROTOCOLS", "split_by_subject", "clip_windows",
           "random_clip_windows", "cut_clips"]

#: Cross-validation protocols of :func:`cv_folds`.
CV_PROTOCOLS = ("random", "subject")


def _subjects_of(items) -> np.ndarray:
    return np.array([it.subject if isinstance(it, Recording) else str(it) for it in items], dtype=object)


def subject_kfold(subjects: Sequence, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Subject-exclusive k-fold split.

    ``subjects`` holds one subject id per item (or the Recordings
    themselves). The distinct subjects are shuffled with ``seed`` and dealt
    into ``k`` groups of near-equal size; fold ``i`` tests on group ``i``.
    Every item is tested exactly once and no subject appears in both the
    training and the test indices of a fold.
    """
    subj = _subjects_of(subjects)
    unique = np.array(sorted(set(subj)), dtype=object)
    if not 2 <= k <= len(unique):
        raise ValueError(f"k must be between 2 and the number of subjects ({len(unique)}), got {k}")
    groups = np.array_split(np.random.default_rng(seed).permutation(unique), k)
    folds = []
    for group in groups:
        test = np.isin(subj, group)
        folds.append((np.flatnonzero(~test), np.flatnonzero(test)))
    return folds


def random_kfold(n_items: int, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds over ``n_items`` items shuffled with ``seed``, ignoring who the subjects are."""
    if not 2 <= k <= n_items:
        raise ValueError(f"k must be between 2 and n_items ({n_items}), got {k}")
    order = np.random.default_rng(seed).permutation(n_items)
    folds = []
    for test in np.array_split(order, k):
        mask = np.zeros(n_items, dtype=bool)
        mask[test] = True
        folds.append((np.flatnonzero(~mask), np.flatnonzero(mask)))
    return folds


def cv_folds(subjects: Sequence, protocol: str, k: int = 3, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds over the items of ``subjects`` (one subject id per item, or the Recordings).

    ``protocol="random"`` deals the items into folds ignoring subjects
    (:func:`random_kfold`; the split of Niu et al. 2018's main results);
    ``"subject"`` keeps every subject on one side (:func:`subject_kfold`).
    Niu et al. use k = 3 and compare the two in Table IV.
    """
    if protocol == "random":
        return random_kfold(len(subjects), k=k, seed=seed)
    if protocol == "subject":
        return subject_kfold(subjects, k=k, seed=seed)
    raise ValueError(f"unknown protocol {protocol!r}; known: {', '.join(CV_PROTOCOLS)}")


def split_by_subject(subjects: Sequence, n_val: int, n_test: int, seed: int = 0):
    """Subject-exclusive split of recordings that may share a subject (e.g. PURE's six tasks per
    subject): ``n_val`` and ``n_test`` *subjects* are drawn at random (``seed``) and every recording
    of a subject goes to the same side. Returns (train, val, test) recording index arrays."""
    subjects = np.asarray([str(s) for s in subjects])
    names = np.array(sorted(set(subjects)))
    if n_val + n_test >= len(names):
        raise ValueError(f"{len(names)} subjects cannot hold {n_val} validation and {n_test} test ones plus training")
    order = names[np.random.default_rng(seed).permutation(len(names))]
    idx = np.arange(len(subjects))
    val, test = np.isin(subjects, order[:n_val]), np.isin(subjects, order[n_val:n_val + n_test])
    return idx[~val & ~test], idx[val], idx[test]


def _length(recording_or_n) -> int:
    return len(recording_or_n) if isinstance(recording_or_n, Recording) else int(recording_or_n)


def clip_windows(recording_or_n, length: int, step: int | None = None,
                 drop_last: bool = True) -> Iterator[tuple[int, int]]:
    """Yield ``(start, stop)`` windows of ``length`` samples every ``step`` (default: ``length``).

    With ``drop_last=False`` a last, shorter window covers the tail.
    Kopeliovich et al. use ``length=64, step=10``; Gideon & Stent 300-frame clips.
    """
    n = _length(recording_or_n)
    step = length if step is None else int(step)
    if length < 1 or step < 1:
        raise ValueError(f"length and step must be positive, got {length} and {step}")
    start = 0
    while start + length <= n:
        yield start, start + length
        start += step
    if not drop_last and start < n:
        yield start, n


def random_clip_windows(recording_or_n, length: int, count: int, seed: int = 0) -> list[tuple[int, int]]:
    """``count`` windows of ``length`` samples at uniformly random starts (Niu et al.: 100 per video)."""
    n = _length(recording_or_n)
    if length > n:
        raise ValueError(f"a window of {length} samples does not fit in {n} samples")
    starts = np.random.default_rng(seed).integers(0, n - length + 1, size=count)
    return [(int(s), int(s) + length) for s in starts]


def cut_clips(videos, ppg, clip_len: int):
    """Non-overlapping clips of every recording of ``videos`` (N, C, T, h, w) and ``ppg`` (N, T):
    (M, C, clip_len, h, w), (M, clip_len) and the recording index of each clip (M,)."""
    vs, ps, idx = [], [], []
    for i in range(len(videos)):
        for s in range(0, videos.shape[2] - clip_len + 1, clip_len):
            vs.append(videos[i, :, s:s + clip_len])
            ps.append(ppg[i, s:s + clip_len])
            idx.append(i)
    if not vs:
        raise ValueError(f"recordings of {videos.shape[2]} frames are shorter than one clip of {clip_len}")
    return np.stack(vs), np.stack(ps), np.array(idx)
