"""bias-eval-rppg face-skin clips (Dasari et al., npj Digit. Med. 4:91, 2021; MIT licence).

Real face-skin video of subjects in India and Sierra Leone: a forehead region
(60x30 px) or a cheek region (25x25 px), upscaled to 200x200, MPEG-4 in AVI at
15 fps. Layout (upstream repository ``ananyananda-dasari/bias-eval-rppg``)::

    <root>/
      Data/India/video1_forehead.avi        # videoN_<forehead|leftcheek|rightcheek>.avi
      Data/Sierra_Leone/video1_rightcheek.avi
      Ground_Truth/India_GT.csv             # "Subject ", "Heart_Rate(BPM) ": one mean HR per video
      Ground_Truth/Sierra_Leone_GT.csv
      Results_Final_Main.csv                # authors' per-subject HRs: <Method>_<India|SL>_<M|F> columns

The ground truth is one mean HR (Masimo oximeter) per subject, so ``hr`` is
constant over the clip.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, require_dir, require_file
from ._video import read_video
from .registry import real_data_path

__all__ = ["list_bias_eval_clips", "load_bias_eval_clip", "bias_eval_ground_truth",
           "bias_eval_author_results"]

_LAYOUT = ("<root>/Data/<Country>/videoN_<region>.avi, <root>/Ground_Truth/<Country>_GT.csv, "
           "<root>/Results_Final_Main.csv")
_CLIP = re.compile(r"^(video\d+)_([a-z]+)\.avi$")
_COUNTRY_CODES = {"India": "India", "SL": "Sierra_Leone"}


def _root(root) -> Path:
    return require_dir(real_data_path("bias_eval_rppg") if root is None else root, "bias-eval-rppg",
                       _LAYOUT, "Get it from github.com/ananyananda-dasari/bias-eval-rppg.")


def bias_eval_ground_truth(country: str, root=None) -> pd.Series:
    """Mean HR (bpm) per video id (``"video1"``, ...) for one country."""
    gt_file = require_file(_root(root) / "Ground_Truth" / f"{country}_GT.csv", "bias-eval-rppg",
                           f"the ground truth of {country}")
    gt = pd.read_csv(gt_file, encoding="utf-8-sig")
    gt.columns = [c.strip() for c in gt.columns]
    if {"Subject", "Heart_Rate(BPM)"} - set(gt.columns):
        raise DatasetLayoutError(f"{gt_file}: expected columns 'Subject' and 'Heart_Rate(BPM)', "
                                 f"found {list(gt.columns)}")
    return pd.Series(gt["Heart_Rate(BPM)"].to_numpy(float), index=gt["Subject"].astype(str).str.strip(),
                     name="gt_hr")


def list_bias_eval_clips(root=None) -> pd.DataFrame:
    """All clips under ``Data/`` with ``path``, ``country``, ``video``, ``region`` and ``gt_hr``."""
    base = _root(root)
    rows = []
    for path in sorted((base / "Data").glob("*/*.avi")):
        m = _CLIP.match(path.name)
        if m:
            rows.append({"path": path, "country": path.parent.name, "video": m.group(1), "region": m.group(2)})
    if not rows:
        raise DatasetLayoutError(f"no clip matching Data/<Country>/videoN_<region>.avi under {base}")
    clips = pd.DataFrame(rows)
    gt = {c: bias_eval_ground_truth(c, base) for c in clips["country"].unique()}
    clips["gt_hr"] = [gt[c].get(v, np.nan) for c, v in zip(clips["country"], clips["video"])]
    return clips


def load_bias_eval_clip(path) -> Recording:
    """Decode one clip (PyAV) with its ground-truth HR.

    ``path`` is a clip file, or a path relative to the dataset root such as
    ``"Data/India/video1_forehead.avi"`` (then the registry's copy is used).
    Frames are uint8 RGB, timestamps come from the container, ``hr`` is the
    subject's mean HR repeated per frame. A corrupt or truncated file raises
    :class:`rppg_lib.data.VideoDecodeError` naming the file and the frame.
    """
    path = Path(path)
    if not path.is_file() and not path.is_absolute():
        path = _root(None) / path
    m = _CLIP.match(path.name)
    if not m or path.parent.parent.name != "Data":
        raise DatasetLayoutError(f"{path}: expected a clip at <root>/Data/<Country>/videoN_<region>.avi")
    video, region, country = m.group(1), m.group(2), path.parent.name
    gt = bias_eval_ground_truth(country, path.parents[2])
    if video not in gt.index:
        raise DatasetLayoutError(f"{path}: {video} is not listed in Ground_Truth/{country}_GT.csv")
    frames, t, fps = read_video(path)
    hr = float(gt[video])
    return Recording(fps=fps, timestamps=t, frames=frames, hr=np.full(len(t), hr), dataset="bias-eval",
                     subject=f"{country}/{video}", scenario=region,
                     meta={"gt_hr": hr, "country": country, "region": region, "path": str(path),
                           "reference": "Masimo pulse oximeter, one mean HR per subject"})


def bias_eval_author_results(root=None) -> pd.DataFrame:
    """The authors' per-subject HRs (``Results_Final_Main.csv``) in long form.

    Columns: ``method`` (Masimo, BKF, Sph, DP, Chrom, POS), ``country``
    (India, Sierra_Leone), ``sex`` (M, F), ``row`` (position in the file: the
    file carries no subject id), ``hr`` and ``reference_hr`` (the Masimo
    value of the same row, country and sex).
    """
    res_file = require_file(_root(root) / "Results_Final_Main.csv", "bias-eval-rppg", "the authors' results")
    wide = pd.read_csv(res_file, encoding="utf-8-sig")
    wide.columns = [c.strip() for c in wide.columns]
    long = wide.reset_index(names="row").melt(id_vars="row", var_name="column", value_name="hr")
    parts = long["column"].str.extract(r"^(?P<method>[A-Za-z]+)_(?P<code>India|SL)_(?P<sex>[MF])$")
    if parts.isna().any().any():
        bad = sorted(long.loc[parts.isna().any(axis=1), "column"].unique())
        raise DatasetLayoutError(f"{res_file}: unexpected columns {bad}; expected <Method>_<India|SL>_<M|F>")
    long = pd.concat([long[["row", "hr"]], parts], axis=1).dropna(subset=["hr"])
    long["country"] = long.pop("code").map(_COUNTRY_CODES)
    ref = long[long["method"] == "Masimo"].set_index(["row", "country", "sex"])["hr"]
    long["reference_hr"] = ref.reindex(pd.MultiIndex.from_frame(long[["row", "country", "sex"]])).to_numpy()
    return long[["method", "country", "sex", "row", "hr", "reference_hr"]].reset_index(drop=True)
