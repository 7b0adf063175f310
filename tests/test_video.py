"""Tests of rppg_lib.video (decode, detection, ROIs, crops, maps, cache) and rppg_lib.predict.

Test videos are built from scikit-image's astronaut photo (a real face) moved
along a known path, with a colour pulse of known rate on the skin.
"""
from __future__ import annotations

import glob
import os

import cv2
import numpy as np
import pytest

from rppg_lib import video as V
from rppg_lib.predict import PREDICT_ROIS, plot_prediction, predict_video
from rppg_lib.video import cache as vcache

FPS = 15.0
REAL_CLIPS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                           "real", "bias_eval_rppg", "Data", "*", "*.avi")))


def centres(boxes):
    b = np.asarray(boxes, float)
    return b[:, :2] + b[:, 2:] / 2


# ----------------------------------------------------------------------------
# fixtures: videos with known content
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moving():
    """36 frames: the face drifts 20 px right and back, plus +-2 px random jitter."""
    n = 36
    rng = np.random.default_rng(3)
    path = np.column_stack([20 * np.sin(np.pi * np.arange(n) / n), np.zeros(n)])
    return V.astronaut_face_video(n, offsets=path + rng.uniform(-2, 2, (n, 2)))


@pytest.fixture(scope="module")
def track_none(moving):
    return V.detect_faces(moving.frames)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory):
    """30 still frames written as MPEG-4 in AVI; returns (path, frames)."""
    demo = V.astronaut_face_video(30, size=(120, 160), scale=0.3)
    path = tmp_path_factory.mktemp("vid") / "small.avi"
    V.write_video(path, demo.frames, FPS, codec="mpeg4")
    return path, demo.frames


@pytest.fixture(scope="module")
def pulse_video(tmp_path_factory):
    """10 s, 15 fps, 320x240 H.264: moving face pulsing at 84 bpm."""
    n = int(10 * FPS)
    t = np.arange(n) / FPS
    off = np.column_stack([15 * np.sin(2 * np.pi * t / 7), 5 * np.cos(2 * np.pi * t / 5)])
    demo = V.astronaut_face_video(n, fps=FPS, hr_bpm=84.0, offsets=off, amplitude=0.03)
    path = tmp_path_factory.mktemp("vid") / "pulse.mp4"
    V.write_video(path, demo.frames, FPS)
    return path


def grey_noise_video(path, n=90, size=(48, 64), seed=0):
    rng = np.random.default_rng(seed)
    frames = (128 + rng.normal(0, 20, (n,) + size + (3,))).clip(0, 255).astype(np.uint8)
    V.write_video(path, frames, FPS, codec="mpeg4")
    return path


# ----------------------------------------------------------------------------
# decoding
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,codec", [("a.avi", "mpeg4"), ("a.mp4", "libx264")])
def test_read_video_round_trip(tmp_path, small_video, name, codec):
    frames = small_video[1]
    path = tmp_path / name
    V.write_video(path, frames, FPS, codec=codec)
    got, ts, fps = V.read_video(path)
    assert got.shape == frames.shape and got.dtype == np.uint8
    assert fps == pytest.approx(FPS)
    np.testing.assert_allclose(ts, np.arange(len(frames)) / FPS, atol=1e-6)
    assert np.abs(got.astype(int) - frames).mean() < 3  # lossy codec, same picture
    info = V.probe_video(path)
    assert (info.width, info.height, info.n_frames) == (160, 120, 30)


def test_read_video_uses_container_timestamps(tmp_path, small_video):
    frames = small_video[1]
    times = np.cumsum(np.r_[0, np.random.default_rng(0).uniform(0.05, 0.09, len(frames) - 1)])
    path = tmp_path / "vfr.mkv"
    V.write_video(path, frames, FPS, timestamps=times)
    _, ts, fps = V.read_video(path)
    np.testing.assert_allclose(ts, times, atol=1e-3)  # 1 ms time base, not index / fps
    assert fps == pytest.approx((len(times) - 1) / times[-1], rel=1e-3)


def test_read_video_start_and_max_frames(small_video):
    path, _ = small_video
    full, ts, _ = V.read_video(path)
    part, ts_part, _ = V.read_video(path, max_frames=10, start=5)
    assert np.array_equal(part, full[5:15])
    assert np.array_equal(ts_part, ts[5:15])
    with pytest.raises(ValueError, match="start"):
        V.read_video(path, start=100)


def test_iter_video_chunks_equals_read_video(small_video):
    path, _ = small_video
    full, ts, _ = V.read_video(path)
    chunks = list(V.iter_video_chunks(path, chunk_frames=7))
    assert [len(c.frames) for c in chunks] == [7, 7, 7, 7, 2]
    assert [c.start for c in chunks] == [0, 7, 14, 21, 28]
    assert np.array_equal(np.concatenate([c.frames for c in chunks]), full)
    assert np.array_equal(np.concatenate([c.timestamps for c in chunks]), ts)


def test_truncated_video_gives_its_decoded_part_and_names_the_frames_lost(tmp_path, small_video):
    path = tmp_path / "t.avi"
    V.write_video(path, small_video[1], FPS, codec="mpeg4")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 4 // 5])  # the first frames whole, the end cut off
    with pytest.warns(V.VideoTruncatedWarning, match=r"t\.avi: truncated.*frames \d+-29 are lost") as rec:
        frames, ts, _ = V.read_video(path)
    n = len(frames)
    assert 0 < n < len(small_video[1]) and len(ts) == n
    assert f"frames {n}-29 are lost" in str(rec[0].message)
    assert np.abs(frames.astype(int) - small_video[1][:n].astype(int)).mean() < 20  # the frames it holds


def test_video_cut_before_its_index_is_refused_naming_the_file(tmp_path, small_video):
    path = tmp_path / "t.mp4"  # an mp4 keeps its index at the end: half a file cannot be opened
    V.write_video(path, small_video[1], FPS, codec="libx264")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(V.VideoDecodeError) as err:
        V.read_video(path)
    assert str(path) in str(err.value) and "frame" in str(err.value)


def test_corrupt_video_names_file_and_frame(tmp_path, small_video):
    path = tmp_path / "c.avi"
    V.write_video(path, small_video[1], FPS, codec="mpeg4")
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 2000] = np.random.default_rng(0).integers(0, 256, 2000, np.uint8).tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(V.VideoDecodeError, match=r"c\.avi.*frame \d+"):
        V.read_video(path)


def test_unreadable_inputs(tmp_path):
    with pytest.raises(FileNotFoundError):
        V.read_video(tmp_path / "missing.mp4")
    text = tmp_path / "notes.avi"
    text.write_text("not a video")
    with pytest.raises(V.VideoDecodeError, match="notes.avi"):
        V.read_video(text)
    with pytest.raises(ValueError):
        V.write_video(tmp_path / "x.mp4", np.zeros((2, 8, 8)), FPS)


@pytest.mark.skipif(not REAL_CLIPS, reason="shared bias-eval clips not available")
def test_real_bias_eval_clips_decode():
    for clip in REAL_CLIPS:
        frames, ts, fps = V.read_video(clip)
        info = V.probe_video(clip)
        assert frames.shape == (info.n_frames, 200, 200, 3)
        assert fps == pytest.approx(15.0)
        np.testing.assert_allclose(ts, np.arange(len(ts)) / 15.0, atol=1e-6)
        assert frames.max() > 30  # decoded pictures, not zeros


# ----------------------------------------------------------------------------
# face detection and smoothing
# ----------------------------------------------------------------------------
def test_detection_tracks_known_shift(moving, track_none):
    assert track_none.detection_rate == 1.0 and track_none.found_fraction == 1.0
    assert np.asarray(track_none).shape == (len(moving.frames), 4)
    err = centres(track_none.boxes) - centres(moving.face_boxes)
    assert np.abs(err - np.median(err, axis=0)).max() < 4  # follows the 20 px drift and jitter
    slope = np.polyfit(moving.offsets[:, 0], centres(track_none.boxes)[:, 0], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)
    assert np.all(np.abs(track_none.boxes[:, 2] / moving.face_boxes[:, 2] - 1) < 0.25)


def test_local_search_agrees_with_full_frame_search_and_falls_back(moving, track_none):
    full = V.FaceTracker(local_search=False).update(moving.frames)
    np.testing.assert_array_equal(full.detected, track_none.detected)
    # the local search (the default) finds the same faces, within one cascade scale step
    assert np.abs(centres(full.boxes) - centres(track_none.boxes)).max() < 6
    assert np.all(np.abs(full.boxes[:, 2] / track_none.boxes[:, 2] - 1) < 0.15)
    # a stale "near" box far from the face: the full-frame search still finds it
    frame, truth = moving.frames[0], moving.face_boxes[0]
    box = V.detect_face(frame, near=(0.0, 0.0, truth[2] / 3, truth[3] / 3))
    assert abs(centres(box[None])[0] - centres(truth[None])[0]).max() < 8


def test_mean20_reduces_jitter(moving, track_none):
    smooth = V.smooth_boxes(track_none.boxes, "mean20")
    # boxes[i] is the mean of the raw boxes i-19 .. i (fewer at the start)
    np.testing.assert_allclose(smooth[25], track_none.boxes[6:26].mean(axis=0))
    np.testing.assert_allclose(smooth[3], track_none.boxes[:4].mean(axis=0))
    jitter = lambda b: np.std(np.diff(centres(b), 2, axis=0))  # noqa: E731
    assert jitter(smooth) < 0.3 * jitter(track_none.boxes)
    track = V.detect_faces(moving.frames[:10], smoothing="mean20")  # same inside the detector
    np.testing.assert_allclose(track.boxes, smooth[:10])


def test_detect_every_holds_or_interpolates(moving):
    hold = V.detect_faces(moving.frames, every=5)
    assert np.flatnonzero(hold.checked).tolist() == list(range(0, 36, 5))
    assert np.array_equal(hold.boxes[1:5], np.repeat(hold.boxes[:1], 4, axis=0))
    interp = V.detect_faces(moving.frames, every=5, fill="interpolate")
    np.testing.assert_allclose(interp.boxes[[0, 5, 10]], hold.boxes[[0, 5, 10]])
    np.testing.assert_allclose(interp.boxes[7], 0.6 * hold.boxes[5] + 0.4 * hold.boxes[10])
    np.testing.assert_allclose(interp.boxes[-1], hold.boxes[-1])  # held after the last detection


def test_sticky_crop_moves_only_when_face_leaves():
    T = 12
    boxes = np.column_stack([100 + 2.0 * np.arange(T), np.full(T, 50.0), np.full(T, 40.0),
                             np.full(T, 40.0)])
    crops = V.smooth_boxes(boxes, "sticky")
    first = V.enlarge_boxes(boxes[0])  # (90, 40, 60, 60): the face leaves it when x > 110
    np.testing.assert_allclose(first, [90, 40, 60, 60])
    np.testing.assert_allclose(crops[:6], np.repeat(first[None], 6, axis=0))
    np.testing.assert_allclose(crops[6], V.enlarge_boxes(boxes[6]))  # moved at frame 6
    moved = np.flatnonzero(np.any(np.diff(crops, axis=0) != 0, axis=1)) + 1
    assert moved.tolist() == [6]  # enlarged at frame 6 to (102, ...): holds up to x = 122


def test_face_found_late_gives_nan_rows_and_rate(moving):
    grey = np.full((4,) + moving.frames.shape[1:], 128, np.uint8)
    frames = np.concatenate([grey, moving.frames[:8]])
    track = V.detect_faces(frames)
    assert np.all(np.isnan(track.boxes[:4])) and np.all(np.isfinite(track.boxes[4:]))
    assert track.detection_rate == pytest.approx(8 / 12)
    assert track.found_fraction == pytest.approx(8 / 12)


def test_no_face_raises_or_reports():
    frames = np.full((3, 120, 160, 3), 128, np.uint8)
    with pytest.raises(V.NoFaceFoundError, match="no face"):
        V.detect_faces(frames)
    track = V.detect_faces(frames, on_missing="nan")
    assert track.detection_rate == 0.0 and np.all(np.isnan(track.boxes))


def test_detection_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        V.detect_faces(np.zeros((120, 160, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        V.detect_faces(np.zeros((2, 120, 160, 3)))
    with pytest.raises(ValueError, match="smoothing"):
        V.detect_faces(np.zeros((2, 120, 160, 3), np.uint8), smoothing="median")


# ----------------------------------------------------------------------------
# ROIs, crops, spatial-temporal maps
# ----------------------------------------------------------------------------
def test_roi_rects_known_values():
    rects, valid = V.roi_rects([[10, 20, 100, 100]], "six_regions", (200, 300))
    assert rects.shape == (1, 6, 4) and valid.all()
    assert rects[0, 0].tolist() == [50, 65, 70, 85]  # nose: x 0.40-0.60, y 0.45-0.65
    assert rects[0, 5].tolist() == [10, 20, 110, 120]  # full box
    clipped, _ = V.roi_rects([[-50, -50, 100, 100]], "face", (80, 60))
    assert clipped[0, 0].tolist() == [0, 0, 50, 50]


@pytest.mark.parametrize("skin", [False, True])
def test_roi_traces_equal_naive_masked_means(skin):
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (5, 60, 80, 3), dtype=np.uint8)
    boxes = np.array([[10, 5, 40, 40], [12.4, 6.6, 41, 39], [np.nan] * 4, [-10, -5, 50, 50],
                      [60, 40, 40, 40]])
    traces = V.roi_traces(frames, boxes, "six_regions", skin=skin)
    assert traces.shape == (5, 6, 3)
    masks_skin = V.skin_mask(frames)
    naive = np.full((5, 6, 3), np.nan)
    for t in range(5):  # the slow, obvious way
        if np.isnan(boxes[t, 0]):
            continue
        for r, mask in enumerate(V.roi_masks(boxes[t], frames.shape[1:])):
            mask = mask & masks_skin[t] if skin else mask
            if mask.any():
                naive[t, r] = frames[t][mask].mean(axis=0)
    np.testing.assert_allclose(traces, naive, rtol=1e-12, equal_nan=True)
    assert np.all(np.isnan(traces[2]))  # no box -> NaN, never zeros


def test_roi_traces_reject_wrong_shapes():
    frames = np.zeros((4, 20, 20, 3), np.uint8)
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        V.roi_traces(frames, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="ROI set"):
        V.roi_traces(frames, np.zeros((4, 4)), rois="forehead")
    with pytest.raises(ValueError):
        V.roi_traces(frames, np.zeros((4, 4)), rois=[[0.5, 0, 0.2, 1]])


def test_skin_mask():
    import skimage.data

    img = skimage.data.astronaut()
    mask = V.skin_mask(img)
    x, y, w, h = (int(v) for v in V.ASTRONAUT_FACE_BOX)
    assert mask[y + h // 2 - 5:y + h // 2 + 5, x + w // 2 - 5:x + w // 2 + 5].all()  # nose/cheek
    assert mask[0:100, 0:40].mean() < 0.05  # the flag
    skin = [(224, 172, 105), (141, 85, 36), (255, 219, 172), (90, 50, 30)]
    other = [(128, 128, 128), (0, 0, 255), (0, 200, 0), (255, 255, 255), (20, 20, 20)]
    colours = np.array([skin + other], np.uint8)
    assert V.skin_mask(colours)[0].tolist() == [True] * 4 + [False] * 5
    assert V.skin_mask(img[None]).shape == (1, 512, 512)


def test_face_crops():
    frames = np.zeros((3, 50, 60, 3), np.uint8)
    frames[:, 10:30, 20:40] = (200, 100, 50)
    frames[1, :, :] = np.arange(60, dtype=np.uint8)[None, :, None]
    boxes = np.array([[20, 10, 20, 20], [5, 5, 32, 16], [-10, 30, 30, 30]], float)
    crops = V.face_crops(frames, boxes, size=(8, 16))
    assert crops.shape == (3, 8, 16, 3) and crops.dtype == np.uint8
    assert np.all(crops[0] == (200, 100, 50))
    expect = cv2.resize(frames[1, 5:21, 5:37], (16, 8), interpolation=cv2.INTER_AREA)
    assert np.array_equal(crops[1], expect)
    with pytest.raises(V.NoFaceFoundError):
        V.face_crops(frames, np.vstack([boxes[:2], [np.nan] * 4]))


def test_st_map_shape_range_order_and_resize_equivalence(moving, track_none):
    import skimage.data

    frames, boxes = moving.frames[:20], track_none.boxes[:20]
    m = V.st_map(frames, boxes)
    assert m.shape == (200, 20, 3) and m.dtype == np.uint8
    assert np.all(m.min(axis=1) == 0) and np.all(m.max(axis=1) == 255)  # per block and channel
    # integral-image blocks = resize to 100x200 + 10x10 pooling, up to pixel-edge rounding
    img = skimage.data.astronaut()
    photo = np.stack([img, np.roll(img, 3, axis=1)])
    box = np.array(V.ASTRONAUT_FACE_BOX)
    two = np.stack([box, box + [3, 0, 0, 0]])
    a = V.st_map_blocks(photo, two, method="integral")
    b = V.st_map_blocks(photo, two, method="resize")
    assert np.abs(a - b).mean() < 1.5 and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.995
    # row-major block order: a horizontal ramp grows along the 20 columns
    ramp = np.broadcast_to(np.arange(200, dtype=np.uint8)[None, None, :, None], (2, 100, 200, 3))
    blocks = V.st_map_blocks(np.ascontiguousarray(ramp), [[0, 0, 200, 200]] * 2,
                             region=(0, 0, 1, 0.5))
    grid = blocks[0, :, 0].reshape(10, 20)
    assert np.all(np.diff(grid, axis=1) > 0) and np.allclose(grid, grid[:1])


def test_st_map_normalise_constant_and_missing():
    blocks = np.stack([np.linspace(0, 1, 5)[:, None] * np.ones(3), np.ones((5, 3))], axis=1)
    m = V.st_map_normalise(blocks)  # (T=5, n=2, 3) -> (2, 5, 3)
    assert m[0, :, 0].tolist() == [0, 64, 128, 191, 255] and np.all(m[1] == 0)
    blocks[2] = np.nan
    with pytest.warns(UserWarning, match="no face box"):
        V.st_map_normalise(blocks)


# ----------------------------------------------------------------------------
# chunked preprocessing and cache
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moving_file(moving, tmp_path_factory):
    path = tmp_path_factory.mktemp("vid") / "moving.mp4"
    V.write_video(path, moving.frames, FPS)
    return path


def test_preprocess_chunks_equal_one_pass(moving_file):
    opts = dict(outputs=("roi_traces", "st_map", "crops", "full_trace"), every=6)
    whole = V.preprocess_video(moving_file, chunk_frames=1000, **opts)
    chunked = V.preprocess_video(moving_file, chunk_frames=7, **opts)
    for key in ("boxes", "roi_traces", "st_map", "crops", "full_trace", "timestamps"):
        np.testing.assert_allclose(chunked[key], whole[key], err_msg=key)
    frames, _, _ = V.read_video(moving_file)
    track = V.detect_faces(frames, every=6, smoothing="mean20")
    np.testing.assert_allclose(whole["boxes"], track.boxes)
    np.testing.assert_allclose(whole["roi_traces"], V.roi_traces(frames, track.boxes))
    assert whole["roi_traces"].shape == (36, 6, 3) and whole["crops"].shape == (36, 64, 64, 3)
    assert whole["fps"] == pytest.approx(FPS)


def test_preprocess_cache_hit_skips_video_work(moving_file, tmp_path, monkeypatch):
    opts = dict(outputs=("roi_traces", "skin_trace"), every=6, cache_dir=tmp_path)
    first = V.preprocess_video(moving_file, **opts)
    assert len(list(tmp_path.glob("*.npz"))) == 1 and not list(tmp_path.glob(".tmp-*"))

    def no_decoding(*args, **kwargs):
        raise AssertionError("the video was decoded again")

    monkeypatch.setattr(vcache, "iter_video_chunks", no_decoding)
    second = V.preprocess_video(moving_file, **opts)
    assert set(second) == set(first)
    for key in first:
        np.testing.assert_array_equal(second[key], first[key])
    with pytest.raises(AssertionError, match="decoded again"):  # another parameter: recompute
        V.preprocess_video(moving_file, **{**opts, "every": 5})
    os.utime(moving_file, ns=(0, os.stat(moving_file).st_mtime_ns + 10**9))
    with pytest.raises(AssertionError, match="decoded again"):  # file changed: recompute
        V.preprocess_video(moving_file, **opts)


def test_cached_decorator_counts_calls(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"abc")
    calls = []

    @V.cached
    def work(path, k=2):
        calls.append(k)
        return {"x": np.arange(k), "fps": 15.0}

    a = work(src, cache_dir=tmp_path / "c")
    b = work(src, k=2, cache_dir=tmp_path / "c")
    assert calls == [2] and np.array_equal(a["x"], b["x"]) and b["fps"] == 15.0
    work(src, k=3, cache_dir=tmp_path / "c")
    work(src, k=3)  # no cache_dir: always runs
    assert calls == [2, 3, 3]


def test_preprocess_no_face_raises(tmp_path):
    path = grey_noise_video(tmp_path / "noise.avi", n=10, size=(120, 160))
    with pytest.raises(V.NoFaceFoundError, match="noise.avi"):
        V.preprocess_video(path, ("skin_trace",))


# ----------------------------------------------------------------------------
# predict_video
# ----------------------------------------------------------------------------
def test_predict_video_recovers_known_hr(pulse_video, tmp_path):
    result = predict_video(pulse_video, method="pos", window_s=6, detect_every=10)
    assert result.status == "ok", result.summary()
    assert result.hr_median_bpm == pytest.approx(84.0, abs=3.0)
    assert np.all(np.abs(result.hr_bpm[result.reliable] - 84.0) < 5.0)
    assert result.detection_rate == 1.0 and result.trace_fraction == 1.0
    fig_path = tmp_path / "prediction.png"
    plot_prediction(result, fig_path)
    assert fig_path.stat().st_size > 10_000
    assert "OK" in result.summary() and result.to_dict()["status"] == "ok"


def test_predict_video_flags_noise_as_unreliable(tmp_path):
    path = grey_noise_video(tmp_path / "noise.avi", n=150)
    result = predict_video(path, roi="full", window_s=6)
    assert result.status == "no reliable pulse"
    assert np.isfinite(result.hr_median_bpm)  # a guess, clearly labelled
    assert "NO RELIABLE PULSE" in result.summary()


def test_predict_video_no_face(tmp_path):
    path = grey_noise_video(tmp_path / "empty.avi", n=60, size=(120, 160))
    with pytest.raises(V.NoFaceFoundError, match="empty.avi"):
        predict_video(path)
    with pytest.raises(ValueError, match="roi"):
        predict_video(path, roi="cheeks")
    assert PREDICT_ROIS == ("skin", "face", "full")


@pytest.mark.skipif(not REAL_CLIPS, reason="shared bias-eval clips not available")
def test_predict_video_on_real_skin_clips():
    for clip in REAL_CLIPS:
        result = predict_video(clip, roi="full", max_seconds=20)
        assert np.isfinite(result.hr_median_bpm)
        assert 42.0 <= result.hr_median_bpm <= 240.0
        assert np.all(np.isfinite(result.snr_db))
        assert result.status in ("ok", "no reliable pulse")


def test_sticky_face_crops_from_given_boxes():
    from rppg_lib.video import sticky_face_crops

    frames = np.zeros((6, 60, 80, 3), np.uint8)
    frames[:, 20:40, 30:50] = 200                      # the "face"
    truth = np.tile([30.0, 20.0, 20.0, 20.0], (6, 1))
    truth[3:, 0] += 1.0                                # a one-pixel move stays inside the enlarged box
    crops, boxes = sticky_face_crops(frames, "truth", truth, crop=16, margin=0.5)
    assert crops.shape == (6, 16, 16, 3) and crops.dtype == np.uint8
    assert np.allclose(boxes, boxes[0]) and boxes[0, 2] == pytest.approx(30.0)   # 1.5 x the face box
    assert crops[:, 8, 8].min() == 200 and crops[:, 0, 0].max() == 0             # face centred, border dark
    with pytest.raises(ValueError, match="truth_boxes"):
        sticky_face_crops(frames, "truth", crop=16)
    with pytest.raises(ValueError, match="'detect' or 'truth'"):
        sticky_face_crops(frames, "landmarks", truth, crop=16)


def test_predict_checks_method_and_roi_before_decoding(tmp_path, monkeypatch):
    from rppg_lib import cli, predict

    def no_decoding(*a, **k):
        raise AssertionError("the video was read before the arguments were checked")

    monkeypatch.setattr(predict, "probe_video", no_decoding)
    monkeypatch.setattr(predict, "_trace", no_decoding)
    with pytest.raises(ValueError, match="method must be one of"):
        predict.predict_video(tmp_path / "any.mp4", method="posx")
    with pytest.raises(ValueError, match="roi must be one of"):
        predict.predict_video(tmp_path / "any.mp4", roi="cheek")
    with pytest.raises(SystemExit):  # the command line refuses it while parsing
        cli.main(["predict", str(tmp_path / "any.mp4"), "--method", "posx"])
