"""From face video to colour traces, crops and maps.

Submodules (one job each; everything public is re-exported here):

- :mod:`~rppg_lib.video.decode`: :func:`read_video`, :func:`iter_video_chunks`
  (PyAV, container timestamps), :func:`write_video`, :func:`probe_video`.
- :mod:`~rppg_lib.video.detect`: :func:`detect_faces` / :class:`FaceTracker`
  (OpenCV Haar cascade; ``"mean20"`` smoothing of Kopeliovich et al. 2019,
  ``"sticky"`` crop of Gideon & Stent 2021).
- :mod:`~rppg_lib.video.roi`: :data:`ROI_SETS`, :func:`roi_traces` (integral
  images), :func:`skin_mask`, :func:`face_crops`, :func:`sticky_face_crops` (the 3-D
  CNN chapters' enlarged sticky face box), :func:`st_map` (Niu et al. 2018).
- :mod:`~rppg_lib.video.stmap`: :func:`stmap`, the spatial-temporal map with the
  interface of the Niu et al. (2018) chapter (face boxes or landmark regions),
  :func:`eye_cheek_region` (the cheek rectangle placed from the eyes) and
  :func:`random_clips` (random 300-frame clips of a video, as maps).
- :mod:`~rppg_lib.video.cache`: :func:`preprocess_video` (chunked, cached
  ``.npz``) and the :func:`cached` decorator.
- :mod:`~rppg_lib.video.demo`: :func:`astronaut_face_video`, a real face photo
  moved along a known path with a pulse of known rate.

Errors: :class:`VideoDecodeError` (damaged file; names the file and frame; a stream cut short gives
its decoded frames with a :class:`VideoTruncatedWarning` naming the frames lost),
:class:`NoFaceFoundError` (no face in any examined frame), ``ValueError``
(wrong shapes or parameters).
"""
from .cache import PREPROCESS_OUTPUTS, cache_key, cached, file_fingerprint, preprocess_video
from .decode import (
                     VideoChunk,
                     VideoDecodeError,
                     VideoInfo,
                     VideoTruncatedWarning,
                     frame_rate,
                     iter_video_chunks,
                     probe_video,
                     read_video,
                     write_video,
)
from .demo import ASTRONAUT_FACE_BOX, DemoVideo, astronaut_face_video
from .detect import (
                     FRONTAL_CASCADE,
                     SMOOTHINGS,
                     FaceTrack,
                     FaceTracker,
                     NoFaceFoundError,
                     complete_boxes,
                     detect_face,
                     detect_faces,
                     enlarge_boxes,
                     smooth_boxes,
)
from .roi import (
                     CHEEK_REGION,
                     ROI_SETS,
                     SKIN_CB,
                     SKIN_CR,
                     face_crops,
                     frame_means,
                     grid_rois,
                     mean_colour,
                     roi_masks,
                     roi_rects,
                     roi_traces,
                     skin_mask,
                     st_map,
                     st_map_blocks,
                     st_map_normalise,
                     sticky_face_crops,
)
from .stmap import (
                     CHEEK_FROM_EYES,
                     CLIP_FRAMES,
                     CLIPS_PER_VIDEO,
                     EYE_CASCADE,
                     STMAP_GRID,
                     STMAP_SIZE,
                     eye_cheek_region,
                     random_clips,
                     regions_to_boxes,
                     stmap,
                     stmap_blocks,
)

__all__ = [
    # decode
    "read_video", "iter_video_chunks", "probe_video", "write_video", "frame_rate",
    "VideoChunk", "VideoInfo", "VideoDecodeError", "VideoTruncatedWarning",
    # detect
    "detect_faces", "detect_face", "FaceTracker", "FaceTrack", "enlarge_boxes",
    "smooth_boxes", "complete_boxes", "NoFaceFoundError", "SMOOTHINGS", "FRONTAL_CASCADE",
    # roi
    "ROI_SETS", "CHEEK_REGION", "SKIN_CR", "SKIN_CB", "grid_rois", "roi_rects", "roi_masks",
    "skin_mask", "roi_traces", "frame_means", "face_crops", "sticky_face_crops", "mean_colour",
    "st_map", "st_map_blocks",
    "st_map_normalise",
    # stmap
    "stmap", "stmap_blocks", "regions_to_boxes", "eye_cheek_region", "random_clips", "STMAP_GRID",
    "STMAP_SIZE", "CLIP_FRAMES", "CLIPS_PER_VIDEO", "EYE_CASCADE", "CHEEK_FROM_EYES",
    # cache
    "preprocess_video", "cached", "cache_key", "file_fingerprint", "PREPROCESS_OUTPUTS",
    # demo
    "astronaut_face_video", "DemoVideo", "ASTRONAUT_FACE_BOX",
]
