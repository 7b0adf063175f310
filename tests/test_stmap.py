"""Spatial-temporal maps and clips of Niu et al. 2018 (rppg_lib.video.stmap).

The test video is the astronaut's face (a real photo) whose skin pulses at a
known rate, at 640x480 and 30 fps as in the paper's datasets.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from rppg_lib import video as V

FS = 30.0
HR_HZ = 1.4  # 84 bpm


@pytest.fixture(scope="module")
def pulsing():
    """10 s of a still face pulsing at 84 bpm, with pixel noise (sd 2 grey levels)."""
    return V.astronaut_face_video(300, fps=FS, hr_bpm=60 * HR_HZ, size=(480, 640), scale=1.0, noise=2.0)


def dominant_hz(maps, axis=1):
    """Frequency of the largest periodogram peak in 0.7-4 Hz along ``axis`` (0.01 Hz bins)."""
    f, p = scipy.signal.periodogram(np.asarray(maps, float), fs=FS, nfft=3000, axis=axis, detrend="linear")
    band = (f >= 0.7) & (f <= 4.0)
    return f[band][np.argmax(np.compress(band, p, axis=axis), axis=axis)]


@pytest.mark.parametrize("method", ["integral", "resize"])
def test_every_block_of_the_map_carries_the_heart_rate(pulsing, method):
    m = V.stmap(pulsing.frames, pulsing.face_boxes, method=method)
    assert m.shape == (200, 300, 3) and m.dtype == np.uint8
    peaks = dominant_hz(m)  # (200 blocks, 3 channels)
    assert peaks.shape == (200, 3)
    np.testing.assert_allclose(peaks, HR_HZ, atol=0.02)


def test_a_block_without_pulse_does_not_fake_one(pulsing):
    """Control: the same map of a region on the grey background has no 84-bpm peak."""
    background = np.tile([[10.0, 10.0, 60.0, 30.0]], (300, 1))  # top-left corner, no face
    frames = pulsing.frames.copy()
    rng = np.random.default_rng(1)
    frames[:, :40, :70] = rng.integers(100, 156, (300, 40, 70, 3), dtype=np.uint8)
    m = V.stmap(frames, regions=background)
    assert np.mean(np.abs(dominant_hz(m) - HR_HZ) < 0.02) < 0.1


def test_min_max_scaling_per_block_and_channel(pulsing):
    frames, boxes = pulsing.frames[:60], pulsing.face_boxes[:60]
    m = V.stmap(frames, boxes)
    assert np.all(m.min(axis=1) == 0) and np.all(m.max(axis=1) == 255)
    raw = V.stmap_blocks(frames, boxes).transpose(1, 0, 2)  # (200, T, 3)
    lo, hi = raw.min(axis=1, keepdims=True), raw.max(axis=1, keepdims=True)
    np.testing.assert_array_equal(m, np.rint((raw - lo) / (hi - lo) * 255).astype(np.uint8))
    # scaling is per block: a brighter block does not change another block's row
    assert not np.array_equal(m[0], m[199])


def test_grid_and_size_arguments(pulsing):
    frames, boxes = pulsing.frames[:20], pulsing.face_boxes[:20]
    assert V.stmap(frames, boxes, grid=(5, 10)).shape == (50, 20, 3)
    assert V.stmap(frames, boxes, grid=(5, 10), size=(50, 100), method="resize").shape == (50, 20, 3)
    with pytest.raises(ValueError, match="divisible"):
        V.stmap(frames, boxes, grid=(10, 20), size=(55, 200), method="resize")
    with pytest.raises(ValueError, match="boxes or cheek regions"):
        V.stmap(frames)
    with pytest.raises(ValueError, match="regions must be"):
        V.stmap(frames, regions=np.zeros((20, 3)))


def test_landmark_regions_replace_the_face_box_rule(pulsing):
    frames, boxes = pulsing.frames[:30], pulsing.face_boxes[:30]
    x0, y0, x1, y1 = V.CHEEK_REGION
    cheek = np.column_stack([boxes[:, 0] + x0 * boxes[:, 2], boxes[:, 1] + y0 * boxes[:, 3],
                             (x1 - x0) * boxes[:, 2], (y1 - y0) * boxes[:, 3]])
    # landmark points whose bounding box is the cheek rectangle, plus one inside it
    pts = np.stack([cheek[:, :2], cheek[:, :2] + cheek[:, 2:], cheek[:, :2] + cheek[:, 2:] / 2], axis=1)
    np.testing.assert_allclose(V.regions_to_boxes(pts, 30), cheek)
    from_box = V.stmap_blocks(frames, boxes)
    np.testing.assert_allclose(V.stmap_blocks(frames, regions=cheek), from_box, atol=1e-9)
    np.testing.assert_allclose(V.stmap_blocks(frames, boxes * 0, regions=pts), from_box, atol=1e-9)
    # a different region gives a different map
    assert not np.allclose(V.stmap_blocks(frames, regions=cheek + [0, -20, 0, 0]), from_box)


def test_random_clips_are_maps_of_their_own_frames(pulsing):
    blocks = V.stmap_blocks(pulsing.frames, pulsing.face_boxes)
    maps, starts = V.random_clips(blocks, count=7, length=90, seed=3)
    assert maps.shape == (7, 200, 90, 3) and maps.dtype == np.uint8 and starts.shape == (7,)
    assert np.all((starts >= 0) & (starts <= 300 - 90)) and len(set(starts.tolist())) > 1
    for clip, s in zip(maps, starts):
        np.testing.assert_array_equal(clip, V.stmap(pulsing.frames[s:s + 90], pulsing.face_boxes[s:s + 90]))
    again, starts2 = V.random_clips(blocks, count=7, length=90, seed=3)
    np.testing.assert_array_equal(again, maps)
    assert not np.array_equal(V.random_clips(blocks, count=7, length=90, seed=4)[1], starts)
    assert V.CLIPS_PER_VIDEO == 100 and V.CLIP_FRAMES == 300
    with pytest.raises(ValueError, match="does not fit"):
        V.random_clips(blocks, count=2, length=301)


def test_eye_cheek_region_follows_the_eyes_not_the_box(pulsing):
    frames, boxes = pulsing.frames[:60], pulsing.face_boxes[:60]
    region = np.array(V.eye_cheek_region(frames, boxes))
    # where the box rule's assumptions hold (the detector's box on this face), both rules agree
    np.testing.assert_allclose(region, V.CHEEK_REGION, atol=0.03)

    def pixels(region, boxes):
        x0, y0, x1, y1 = region
        b = boxes[0]
        return np.array([b[0] + x0 * b[2], b[1] + y0 * b[3], b[0] + x1 * b[2], b[1] + y1 * b[3]])

    # a box that sits 12 px higher and 8 px further right on the same face: the eye rule keeps
    # the cheeks where they are, the box rule moves them with the box
    off = boxes + [8, -12, 0, 0]
    moved = V.eye_cheek_region(frames, off)
    assert np.abs(pixels(moved, off) - pixels(region, boxes)).max() < 3
    assert np.abs(pixels(V.CHEEK_REGION, off) - pixels(V.CHEEK_REGION, boxes)).max() == pytest.approx(12)
    m = V.stmap(pulsing.frames, pulsing.face_boxes, region=tuple(region))
    np.testing.assert_allclose(dominant_hz(m), HR_HZ, atol=0.02)
    with pytest.warns(UserWarning, match="no pair of eyes"):
        assert V.eye_cheek_region(np.full_like(frames, 128), boxes) == V.CHEEK_REGION


def test_missed_detections_are_carried_and_boxes_clipped_so_the_map_is_finite(pulsing):
    frames, truth = pulsing.frames, np.asarray(pulsing.face_boxes, float)
    H, W = frames.shape[1:3]
    found = truth.copy()
    found[:15] = np.nan  # the detector found the face only from frame 15 on
    found[40:60] = np.nan  # ... and lost it for 20 frames
    found[80:90, 0] = W + 5.0  # boxes entirely right of the frame: not a face there
    found[100:110, 1] = H - 0.3 * truth[100:110, 3]  # boxes running past the bottom edge
    blocks = V.stmap_blocks(frames, found)
    assert np.isnan(blocks).any()  # the problem: NaN blocks feed zero columns into the map
    boxes = V.complete_boxes(found, frames.shape[1:])
    assert np.isfinite(boxes).all()
    np.testing.assert_allclose(boxes[:15], np.repeat(truth[15:16], 15, axis=0))  # carried back from the first
    np.testing.assert_allclose(boxes[50], (truth[39] + truth[60]) / 2)  # interpolated over the gap (still face)
    np.testing.assert_allclose(boxes[80:90], truth[80:90])  # the boxes outside the frame are replaced too
    assert np.all(boxes[:, :2] >= 0) and np.all(boxes[:, :2] + boxes[:, 2:] <= [W, H])
    np.testing.assert_allclose(boxes[100:110, 1] + boxes[100:110, 3], H)  # clipped at the bottom edge
    m = V.stmap(frames, boxes)
    assert np.isfinite(V.stmap_blocks(frames, boxes)).all()
    # the carried boxes still see the pulse (in green; the 10 clipped frames move the cheek region, a step in red)
    assert np.mean(np.abs(dominant_hz(m[..., 1]) - HR_HZ) < 0.05) > 0.95
    with pytest.raises(V.NoFaceFoundError, match="none of the 3 frames"):
        V.complete_boxes(np.full((3, 4), np.nan), frames.shape[1:])
