"""Subject-exclusive and random folds, clip windows."""
from __future__ import annotations

import numpy as np
import pytest
from fixtures_data import make_recording

from rppg_lib.data import clip_windows, cv_folds, random_clip_windows, random_kfold, subject_kfold
from rppg_lib.data.splits import cut_clips, split_by_subject

# 10 subjects with 1-4 recordings each
SUBJECTS = [f"s{i}" for i in range(10) for _ in range(1 + i % 4)]


def test_subject_kfold_is_exclusive_complete_and_deterministic():
    folds = subject_kfold(SUBJECTS, k=5, seed=3)
    subj = np.array(SUBJECTS)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(SUBJECTS)))  # every item tested exactly once
    for train, test in folds:
        assert set(subj[train]).isdisjoint(subj[test])
        assert len(train) + len(test) == len(SUBJECTS)
        assert len(set(subj[test])) == 2  # 10 subjects dealt into 5 groups
    again = subject_kfold(SUBJECTS, k=5, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    other = subject_kfold(SUBJECTS, k=5, seed=4)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_subject_kfold_accepts_recordings_and_checks_k():
    recs = [make_recording(seconds=1, subject=s) for s in ("a", "a", "b", "c")]
    folds = subject_kfold(recs, k=3)
    assert sorted(len(test) for _, test in folds) == [1, 1, 2]
    with pytest.raises(ValueError, match="number of subjects"):
        subject_kfold(recs, k=4)


def test_random_kfold_mixes_subjects():
    folds = random_kfold(len(SUBJECTS), k=5, seed=0)
    subj = np.array(SUBJECTS)
    assert sorted(np.concatenate([t for _, t in folds])) == list(range(len(SUBJECTS)))
    # unlike the subject-exclusive split, some subject is on both sides of some fold
    assert any(set(subj[tr]) & set(subj[te]) for tr, te in folds)


def test_cv_folds_three_fold_protocols_of_niu2018():
    """Table IV: 3 folds, random (subjects on both sides) vs subject-exclusive (never)."""
    subjects = [f"s{i}" for i in range(9) for _ in range(20)]  # 20 videos per subject, as MAHNOB-HCI
    subj = np.array(subjects)
    rand = cv_folds(subjects, "random", k=3, seed=0)
    excl = cv_folds(subjects, "subject", k=3, seed=0)
    for folds in (rand, excl):
        assert len(folds) == 3
        assert sorted(np.concatenate([te for _, te in folds])) == list(range(len(subjects)))
        assert all(len(te) == 60 for _, te in folds)
    assert all(set(subj[tr]) == set(subj[te]) == set(subjects) for tr, te in rand)  # all 9 on both sides
    assert all(set(subj[tr]).isdisjoint(subj[te]) for tr, te in excl)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(rand, random_kfold(len(subjects), k=3, seed=0)))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(excl, subject_kfold(subjects, k=3, seed=0)))
    with pytest.raises(ValueError, match="unknown protocol"):
        cv_folds(subjects, "leave-one-out")


def test_clip_windows():
    assert list(clip_windows(100, 64, 10)) == [(0, 64), (10, 74), (20, 84), (30, 94)]
    assert list(clip_windows(100, 40)) == [(0, 40), (40, 80)]
    assert list(clip_windows(100, 40, drop_last=False)) == [(0, 40), (40, 80), (80, 100)]
    rec = make_recording(seconds=10)  # 300 frames
    assert list(clip_windows(rec, 300)) == [(0, 300)]
    assert list(clip_windows(rec, 301)) == []


def test_random_clip_windows():
    wins = random_clip_windows(1000, 300, count=100, seed=1)
    assert len(wins) == 100 and all(b - a == 300 and 0 <= a and b <= 1000 for a, b in wins)
    assert wins == random_clip_windows(1000, 300, count=100, seed=1)
    assert len({a for a, _ in wins}) > 50
    with pytest.raises(ValueError, match="does not fit"):
        random_clip_windows(100, 300, count=1)


def test_split_by_subject_and_cut_clips():
    subjects = [f"s{i % 5}" for i in range(10)]
    train, val, test = split_by_subject(subjects, 1, 2, seed=0)
    assert sorted(np.concatenate([train, val, test])) == list(range(10))
    sets = [{subjects[i] for i in part} for part in (train, val, test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    v = np.zeros((2, 3, 25, 16, 16), np.uint8)
    clips, refs, rec = cut_clips(v, np.zeros((2, 25)), 10)
    assert clips.shape == (4, 3, 10, 16, 16) and refs.shape == (4, 10) and list(rec) == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="shorter than one clip"):
        cut_clips(v, np.zeros((2, 25)), 30)
