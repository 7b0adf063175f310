"""Face imagery: the photo, its masks and maps, subject warps and the background.

Source: ``skimage.data.astronaut()`` (512 x 512, public domain, NASA). All
landmark coordinates below were read off that image once ("canonical" pixel
coordinates, x right, y down); OpenCV's default Haar frontal-face cascade
(scale 1.1, minNeighbors 5) finds the face there at (177, 66, 95, 95).

What this module builds, once per subject (see :func:`build_face`):

- two layers with soft alpha: the **head** (hair, face, neck; moves with the
  head pose) and the **body** (suit, collar ring, helmet; follows translation
  only). The head area of the body layer is inpainted, so gaps that open at the
  neck when the head turns show the turtleneck, not a ghost chin.
- the **skin mask** of the face: YCrCb thresholds Cr 133-173, Cb 77-127 (Chai &
  Ngan 1999, as in the simulator's design) plus Y > 110, inside a face oval that stops at the
  hairline (the thresholds alone also take the hair and the wall). A wider mask
  (face + neck) receives the melanin change.
- the **perfusion map** w: forehead 1, cheeks and periorbital 0.8, nose, upper lip
  and chin 0.6 [design, ordering from Lempe et al. / Kamshilin], blurred, times a
  per-subject zone jitter and a smooth random field.
- the **delay map** as a fraction ``alpha`` of a reference delay ``TAU_REF_S``:
  0 at the hairline to ``tau_max`` at the chin (0-20 ms top to bottom [design]).
- **normals** of an ellipsoid fitted to the head, for Lambertian shading and a
  Blinn-Phong specular lobe (see :mod:`rppg_lib.synth.optics`).
- a per-subject **geometry warp** (face width/height, jaw width, eye spacing and a
  smooth random displacement) applied to every head map alike.

:func:`make_background` paints a lit wall in linear RGB so that background ROIs
exist (Kopeliovich et al. 2019 use them against illumination changes).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

__all__ = [
    "HAAR_BOX",
    "FACE_CENTRE",
    "TAU_REF_S",
    "FaceAsset",
    "srgb_to_linear",
    "linear_to_srgb",
    "load_photo",
    "skin_mask_ycrcb",
    "build_face",
    "scale_face",
    "jaw_field",
    "make_background",
]

GAMMA = 2.2
#: Haar box (x, y, w, h) of the photo's face; its side is the "face size" unit.
HAAR_BOX = (177, 66, 95, 95)
#: Centre of the Haar box.
FACE_CENTRE = (224.5, 113.5)
#: Reference delay of the second pulse basis image (s); see :func:`build_face`.
TAU_REF_S = 0.025

# Landmarks in canonical coordinates (read off the photo).
_MID_X = 222.0                      # facial midline
_EYES = ((202.0, 101.0), (246.5, 103.5))
_MOUTH = (222.0, 147.0)
_CHIN_Y = 184.0
_HAIRLINE_Y = 78.0                  # hairline height at the midline
_FACE_OVAL = ((224, 128), (46, 57))  # centre, semi-axes of the face oval
_HEAD_ELLIPSE = ((226, 100), (78, 90))
_NECK_ELLIPSE = ((222, 205), (48, 45))
_COLLAR_ELLIPSE = ((209, 222), (98, 74), 12.0)
_BODY_POLYGON = np.array([(113, 200), (90, 235), (70, 255), (50, 290), (35, 340), (27, 400),
                          (22, 512), (512, 512), (512, 460), (500, 425), (467, 373), (420, 345),
                          (385, 345), (366, 335), (357, 300), (340, 260), (320, 245),
                          (305, 225)], dtype=np.int32)
#: Head ellipsoid for normals: centre (x, y) and semi-axes (x, y, z) in pixels.
_HEAD_ELLIPSOID = ((226.0, 112.0), (80.0, 100.0, 75.0))
#: Pivot of roll and pitch (base of the skull, above the neck).
_PIVOT = (222.0, 170.0)


def srgb_to_linear(x):
    """8-bit or [0, 1] sRGB-like values to linear light with a pure 2.2 gamma."""
    x = np.asarray(x, dtype=np.float32)
    if x.max() > 1.0:
        x = x / 255.0
    return np.power(x, GAMMA).astype(np.float32)


def linear_to_srgb(x) -> np.ndarray:
    """Linear light in [0, 1] to 8-bit with a pure 2.2 gamma."""
    y = np.power(np.clip(x, 0, 1), 1 / GAMMA) * 255 + 0.5
    return y.astype(np.uint8)


@lru_cache(maxsize=1)
def load_photo() -> np.ndarray:
    """The astronaut photo, uint8 RGB (512, 512, 3), read-only."""
    from skimage import data

    img = np.ascontiguousarray(data.astronaut())
    img.setflags(write=False)
    return img


def skin_mask_ycrcb(rgb: np.ndarray, cr=(133, 173), cb=(77, 127), y_min: int = 0) -> np.ndarray:
    """Boolean skin mask by YCrCb thresholds (Chai & Ngan 1999 ranges by default)."""
    ycc = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb)
    y, c_r, c_b = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    return (c_r >= cr[0]) & (c_r <= cr[1]) & (c_b >= cb[0]) & (c_b <= cb[1]) & (y > y_min)


def _ellipse(shape, centre, axes, angle=0.0) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    centre = (int(centre[0]), int(centre[1]))
    cv2.ellipse(m, centre, (int(axes[0]), int(axes[1])), angle, 0, 360, 1, -1)
    return m.astype(bool)


def _soft(mask, sigma: float) -> np.ndarray:
    m = mask.astype(np.float32)
    return cv2.GaussianBlur(m, (0, 0), sigma) if sigma > 0 else m


@dataclass
class FaceAsset:
    """Canonical maps of one subject (float32 unless stated), cropped to their layers.

    Head layer (all (h, w[, c]) on the head crop): ``albedo`` linear RGB of the photo,
    ``alpha`` layer opacity, ``skin`` soft face-skin mask (pulse region),
    ``skin_all`` soft face+neck skin (melanin region), ``perfusion`` w (0 off skin),
    ``delay`` alpha = tau / TAU_REF_S, ``normals`` (h, w, 3), ``spec_map`` specular
    weight. ``head_origin`` is the canonical (x, y) of the crop's top-left pixel.
    Body layer: ``body_rgb`` (premultiplied, linear), ``body_alpha``, ``body_origin``.
    ``scale``: pixels of this asset per canonical pixel. ``landmarks``: canonical
    points (scaled with the asset) used by motion and ground truth.
    """

    albedo: np.ndarray
    alpha: np.ndarray
    skin: np.ndarray
    skin_all: np.ndarray
    perfusion: np.ndarray
    delay: np.ndarray
    normals: np.ndarray
    spec_map: np.ndarray
    head_origin: tuple[float, float]
    body_rgb: np.ndarray
    body_alpha: np.ndarray
    body_origin: tuple[float, float]
    scale: float = 1.0
    landmarks: dict = field(default_factory=dict)


def _base_landmarks() -> dict:
    x, y, w, h = HAAR_BOX
    return {
        "face_box": np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], float),
        "face_centre": np.array(FACE_CENTRE, float),
        "pivot": np.array(_PIVOT, float),
        "head_centre": np.array(_HEAD_ELLIPSOID[0], float),
        "mouth": np.array(_MOUTH, float),
        "chin_y": _CHIN_Y,
        "face_height": float(h),
    }


@lru_cache(maxsize=1)
def _canonical_layers():
    """Subject-independent canonical maps on the full 512 x 512 grid (cached)."""
    img = load_photo()
    shape = img.shape[:2]
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)

    # The wall behind the astronaut is bright and unsaturated; hair and suit are not.
    hsv = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2HSV)
    wall = (hsv[..., 1] < 60) & (hsv[..., 2] > 150)
    core = (int(0.85 * _FACE_OVAL[1][0]), int(0.85 * _FACE_OVAL[1][1]))
    wall &= ~(_ellipse(shape, _FACE_OVAL[0], core) | skin_mask_ycrcb(img, cr=(140, 173)))
    open3 = np.ones((3, 3), np.uint8)
    head = _ellipse(shape, *_HEAD_ELLIPSE) | _ellipse(shape, *_NECK_ELLIPSE)
    head = cv2.morphologyEx((head & ~wall).astype(np.uint8), cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    head = cv2.morphologyEx(head, cv2.MORPH_OPEN, open3)
    head = cv2.erode(head, open3).astype(bool)  # no light fringe of wall around the hair
    body = _ellipse(shape, *_COLLAR_ELLIPSE[:2], _COLLAR_ELLIPSE[2])
    poly = np.zeros(shape, np.uint8)
    cv2.fillPoly(poly, [_BODY_POLYGON], 1)
    body |= poly.astype(bool)
    body &= ~(wall & (yy < 215)) & (yy > 146)  # the face above the collar is the head's
    body = cv2.morphologyEx(body.astype(np.uint8), cv2.MORPH_OPEN, open3).astype(bool)

    # Face oval stopping at a parabolic hairline.
    oval = _ellipse(shape, *_FACE_OVAL)
    hairline = _HAIRLINE_Y + 0.012 * (xx - _MID_X) ** 2
    zone = oval & (yy > hairline)
    ycc_skin = skin_mask_ycrcb(img, y_min=110)
    skin = cv2.medianBlur((ycc_skin & zone).astype(np.uint8), 3).astype(bool)
    neck_zone = _ellipse(shape, (222, 190), (32, 16)) & (yy > _CHIN_Y - 8)
    zone_wide = cv2.dilate(zone.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    skin_all = skin_mask_ycrcb(img, y_min=60) & (zone_wide | neck_zone)

    # Perfusion zones [design]: forehead 1, eyes band and cheeks .8, nose/lip/chin .6.
    zones = np.full(shape, 0.8, np.float32)
    centre_strip = np.abs(xx - _MID_X) < 16
    zones[yy < 95] = 1.0
    zones[centre_strip & (yy >= 100) & (yy < 158)] = 0.6
    zones[yy >= 158] = 0.6
    zone_id = np.where(yy < 95, 0, np.where((yy >= 158) | centre_strip & (yy >= 100), 2, 1))

    # Body texture with the head inpainted (no ghost chin when the head moves).
    hole = (head & body).astype(np.uint8)
    hole = cv2.dilate(hole, np.ones((5, 5), np.uint8))
    body_img = cv2.inpaint(np.ascontiguousarray(img), hole, 7, cv2.INPAINT_TELEA)

    # Ellipsoid normals (x right, y down, z to the camera).
    (cx, cy), (rx, ry, rz) = _HEAD_ELLIPSOID
    u, v = (xx - cx) / rx, (yy - cy) / ry
    r2 = np.minimum(u * u + v * v, 0.96)
    n = np.stack([u / rx, v / ry, np.sqrt(1 - r2) / rz], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)

    # Specular weight: the T-zone (forehead, nose) is shinier [design].
    t_zone = (yy < 95) | (centre_strip & (yy < 140))
    spec = np.where(t_zone, 1.0, 0.5).astype(np.float32)

    return {
        "albedo": srgb_to_linear(img),
        "head": head, "body": body, "skin": skin, "skin_all": skin_all,
        "zones": zones, "zone_id": zone_id.astype(np.int8), "normals": n.astype(np.float32),
        "spec": spec, "body_albedo": srgb_to_linear(body_img),
    }


def _smooth_field(shape, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Zero-mean, unit-std smooth random field (Gaussian-blurred white noise)."""
    f = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return (f - f.mean()) / (f.std() + 1e-12)


def _subject_warp_maps(shape, rng: np.random.Generator, strength: float):
    """Inverse maps (map_x, map_y) of a smooth per-subject face deformation [design].

    Face width x(1 + 0.06 s N), height x(1 + 0.04 s N), jaw width x(1 + 0.08 s N),
    eye spacing +-1.5 s px, plus a smooth displacement of std 1.5 s px; all about
    the face centre and fading out beyond the head.
    """
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    cx, cy = FACE_CENTRE
    dx, dy = xx - cx, yy - cy
    sw = 1 + 0.06 * strength * rng.standard_normal()
    sh = 1 + 0.04 * strength * rng.standard_normal()
    jaw = 0.08 * strength * rng.standard_normal()
    eye = 1.5 * strength * rng.standard_normal()
    lower = np.clip((yy - _MOUTH[1] + 20) / (_CHIN_Y - _MOUTH[1] + 20), 0, 1)
    fade = np.exp(-0.5 * ((dx / 110) ** 2 + (dy / 130) ** 2)).astype(np.float32)
    # Forward displacement, then used as an (approximate) inverse map.
    eye_band = np.exp(-0.5 * ((yy - 102) / 12) ** 2)
    fx = dx * (sw - 1 + jaw * lower) + eye * np.tanh(dx / 20) * eye_band
    fy = dy * (sh - 1)
    fx += 1.5 * strength * _smooth_field(shape, rng, 25)
    fy += 1.5 * strength * _smooth_field(shape, rng, 25)
    return (xx - fx * fade).astype(np.float32), (yy - fy * fade).astype(np.float32)


def build_face(rng: np.random.Generator, *, geometry_strength: float = 1.0,
               perfusion_jitter: float = 0.1, tau_max_s: float = 0.02) -> FaceAsset:
    """Canonical maps of one subject at the photo's scale.

    Parameters
    ----------
    rng : subject generator (geometry, perfusion jitter and delay-map noise).
    geometry_strength : scale of the subject warp (0 = the photo as is).
    perfusion_jitter : std of the per-zone and smooth multiplicative perfusion jitter.
    tau_max_s : pulse delay at the chin relative to the hairline (0-20 ms) [design].
    """
    c = _canonical_layers()
    shape = c["head"].shape
    yy = np.mgrid[0:shape[0], 0:shape[1]][0].astype(np.float32)

    zone_gain = 1 + perfusion_jitter * rng.standard_normal(3)
    field_ = 1 + perfusion_jitter * _smooth_field(shape, rng, 20)
    perf = c["zones"] * zone_gain[c["zone_id"]].astype(np.float32) * field_
    perf = np.clip(cv2.GaussianBlur(perf, (0, 0), 5), 0.2, 1.5)

    frac = np.clip((yy - _HAIRLINE_Y) / (_CHIN_Y - _HAIRLINE_Y), 0, 1)
    tau = tau_max_s * frac + 0.1 * tau_max_s * _smooth_field(shape, rng, 15)
    delay = np.clip(tau / TAU_REF_S, 0, 1).astype(np.float32)

    skin = _soft(c["skin"], 1.0)
    head_maps = {
        "albedo": c["albedo"], "alpha": _soft(c["head"], 1.5), "skin": skin,
        "skin_all": _soft(c["skin_all"], 1.5), "perfusion": perf * skin, "delay": delay,
        "normals": c["normals"], "spec_map": c["spec"] * skin,
    }
    if geometry_strength > 0:
        mx, my = _subject_warp_maps(shape, rng, geometry_strength)
        for k, v in head_maps.items():
            head_maps[k] = cv2.remap(v, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    hx0, hy0, hw, hh = cv2.boundingRect((head_maps["alpha"] > 0.01).astype(np.uint8))
    crop = (slice(hy0, hy0 + hh), slice(hx0, hx0 + hw))
    head_maps = {k: np.ascontiguousarray(v[crop]) for k, v in head_maps.items()}
    n = head_maps["normals"]
    head_maps["normals"] = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)

    body_a = _soft(c["body"], 1.5)
    bx0, by0, bw, bh = cv2.boundingRect((body_a > 0.01).astype(np.uint8))
    bcrop = (slice(by0, by0 + bh), slice(bx0, bx0 + bw))
    body_alpha = np.ascontiguousarray(body_a[bcrop])
    body_rgb = np.ascontiguousarray(c["body_albedo"][bcrop] * body_alpha[..., None])
    return FaceAsset(head_origin=(float(hx0), float(hy0)), body_rgb=body_rgb,
                     body_alpha=body_alpha, body_origin=(float(bx0), float(by0)),
                     scale=1.0, landmarks=_base_landmarks(), **head_maps)


def scale_face(asset: FaceAsset, scale: float) -> FaceAsset:
    """Resample every map by ``scale`` (INTER_AREA when shrinking, else bilinear).

    Done once per clip so that the per-frame warps work near 1:1 and small faces
    are anti-aliased as a camera would see them.
    """
    if abs(scale - 1.0) < 1e-6:
        return asset
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR

    def rs(a):
        h, w = a.shape[:2]
        size = (max(2, int(round(w * scale))), max(2, int(round(h * scale))))
        return cv2.resize(a, size, interpolation=interp)

    head = {k: rs(getattr(asset, k)) for k in
            ("albedo", "alpha", "skin", "skin_all", "perfusion", "delay", "normals", "spec_map")}
    n = head["normals"]
    head["normals"] = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)
    lm = {k: v * scale for k, v in asset.landmarks.items()}
    return replace(asset, **head, body_rgb=rs(asset.body_rgb), body_alpha=rs(asset.body_alpha),
                   head_origin=(asset.head_origin[0] * scale, asset.head_origin[1] * scale),
                   body_origin=(asset.body_origin[0] * scale, asset.body_origin[1] * scale),
                   scale=asset.scale * scale, landmarks=lm)


def jaw_field(asset: FaceAsset) -> np.ndarray:
    """Vertical jaw-drop displacement field (head crop, pixels per unit opening).

    1 below the mouth line down to the chin (raised-cosine rise from the upper lip),
    Gaussian fall-off across the face (sigma = 0.3 face heights) and fading below
    the chin; the talking warp moves the lower face by ``opening * field`` [design].
    """
    s = asset.scale
    h, w = asset.alpha.shape
    ox, oy = asset.head_origin
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    x = (xx + ox) / s
    y = (yy + oy) / s
    rise = np.clip((y - (_MOUTH[1] - 6)) / 20.0, 0, 1)
    rise = 0.5 - 0.5 * np.cos(np.pi * rise)
    below = np.clip((y - _CHIN_Y) / 25.0, 0, 1)
    fall = 0.5 + 0.5 * np.cos(np.pi * below)
    across = np.exp(-0.5 * ((x - _MID_X) / (0.3 * HAAR_BOX[3])) ** 2)
    return (rise * fall * across).astype(np.float32)


def make_background(height: int, width: int, rng: np.random.Generator, level: float = 0.22,
                    tint=(1.0, 0.95, 0.85)) -> np.ndarray:
    """A lit wall in linear RGB (float32 (H, W, 3)) [design].

    A tinted base ``level`` with a smooth luminance field (+-15 %), a top-to-bottom
    gradient from the ceiling light, mild vignetting and two darker rectangles
    (a door and a picture frame) so that background ROIs have some texture.
    """
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    # The smooth field is drawn on a 1/8 grid and upsampled (a wide blur is slow).
    small = _smooth_field((max(2, height // 8), max(2, width // 8)), rng, max(height, width) / 64)
    lum = 1 + 0.15 * cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    lum *= 1.1 - 0.2 * yy / height
    r2 = ((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2
    lum *= 1 - 0.35 * r2
    bg = level * lum[..., None] * np.asarray(tint, np.float32)
    for _ in range(2):
        w = int(rng.uniform(0.1, 0.3) * width)
        h = int(rng.uniform(0.2, 0.6) * height)
        x0 = int(rng.uniform(0, width - w))
        y0 = int(rng.uniform(0, height - h))
        bg[y0:y0 + h, x0:x0 + w] *= np.asarray(rng.uniform(0.5, 0.9, 3), np.float32)
    return np.ascontiguousarray(bg, dtype=np.float32)
