"""Skin optics: melanin, the pulse colour, shading and specular reflection (linear RGB).

Per pixel x and channel k of the head layer (spec §1, after Wang et al. 2017):

``C_k = sigma(x, t) [ S(x, t) + D_k(x) T_k(F) (1 + b_I r(t)
        - A_lin c_k kappa(F) w(x) p(t - tau(x)) (1 + b_A r(t))) ]``

times the global illumination and camera gains applied later (camera module).

- ``D_k``: the photo's linear albedo; ``T_k(F)``: melanin transmittance, applied as
  the ratio ``T_k(F) / T_k(F_photo)`` on the skin (the photo's skin is F II-III,
  ``mu_epi`` 6.5 cm^-1 [design]).
- ``T_k(F) = exp(-2 mu_epi(F) (lambda_k / 694)^-3.48 d_epi)``: slope 3.48 from
  Jacques (1998); ``lambda_k`` = 600 / 540 / 460 nm; ``d_epi`` = 0.006-0.01 cm.
  ``mu_epi`` at 694 nm: 4, 9, 14, 22, 40, 70 cm^-1 for F I-VI. **Changed from the
  spec's 3, 5, 8, 12, 18, 28 after measurement**: rendered at fixed exposure, those
  gave individual typology angles ITA = atan((L* - 50) / b*) of 62, 58, 50, 39, 27
  and 6 deg, so type VI came out as a "tan" skin (L* 53). The new values put the
  rendered skin near the centres of the ITA classes usually mapped to types I-VI
  (> 55, 41-55, 28-41, 10-28, -30-10, < -30 deg; Chardon et al. 1991, mapping
  [unverified]): measured 60, 47, 35, 18, -9, -39 deg. 70 cm^-1 is within Jacques'
  melanosome formula for darkly pigmented epidermis (volume fraction ~0.3).
- ``c = [0.43, 1, 0.69]``: pulse direction, u_p / u_p,G of de Haan & van Leest 2014.
- ``kappa(F)`` = 1, 1, .95, .85, .7, .55 [design; Fallow 2013, Ajmal 2021].
- ``A_lin = gamma * A``: ``A`` is the green peak-to-peak AC/DC seen in the 8-bit,
  gamma-encoded output, which is ~1/gamma of the linear modulation.
- **Sign**: more blood absorbs more light, so the skin gets *darker* when the
  blood-volume pulse ``p`` rises (the simulator's design writes ``+``; the ground-truth PPG is
  the blood volume, systolic peak up, as a pulse oximeter displays it).
- ``sigma``: Lambertian shading ratio ``(a + (1-a) max(0, n.l_t)) / (a + (1-a) max(0, n.l_0))``
  with ambient share ``a`` and head normals rotated by the pose; 1 when frontal, so
  the photo's own shading is kept.
- ``S``: Blinn-Phong lobe ``k_s m(x) max(0, n.h)^shininess`` in the illuminant's
  colour (no melanin term), stronger on the T-zone [design].
- ``tau(x)``: ``p(t - tau)`` is interpolated between ``p(t)`` and ``p(t - TAU_REF_S)``
  (25 ms; error < 1 % of the pulse amplitude for delays of 0-20 ms).
"""
from __future__ import annotations

import cv2
import numpy as np

from .face import GAMMA, FaceAsset

__all__ = [
    "MU_EPI_694",
    "KAPPA",
    "PULSE_COLOUR",
    "WAVELENGTHS_NM",
    "PHOTO_MU_EPI",
    "melanin_transmittance",
    "rotation",
    "HeadShader",
]

#: Epidermal melanin absorption at 694 nm (cm^-1) per Fitzpatrick type (calibrated on ITA).
MU_EPI_694 = {1: 4.0, 2: 9.0, 3: 14.0, 4: 22.0, 5: 40.0, 6: 70.0}
#: Relative pulse modulation per Fitzpatrick type [design].
KAPPA = {1: 1.0, 2: 1.0, 3: 0.95, 4: 0.85, 5: 0.7, 6: 0.55}
#: Pulse colour direction c = u_p / u_p,G (de Haan & van Leest 2014).
PULSE_COLOUR = np.array([0.43, 1.0, 0.69], np.float32)
#: Effective wavelengths of the R, G, B channels (nm).
WAVELENGTHS_NM = np.array([600.0, 540.0, 460.0])
#: Melanin absorption assumed for the photo's own skin (F II-III) [design].
PHOTO_MU_EPI = 6.5


def melanin_transmittance(mu_epi_694: float, d_epi_cm: float = 0.008) -> np.ndarray:
    """Two-pass epidermal transmittance ``T_k`` for R, G, B (Jacques 1998 slope)."""
    mu = mu_epi_694 * (WAVELENGTHS_NM / 694.0) ** -3.48
    return np.exp(-2.0 * mu * d_epi_cm).astype(np.float32)


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Head rotation ``Rz(roll) Ry(yaw) Rx(pitch)`` (x right, y down, z to the camera)."""
    y, p, r = np.deg2rad([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


class HeadShader:
    """Per-frame linear radiance of the head layer, premultiplied by its alpha.

    Everything that does not change per frame is precomputed in ``__init__``;
    :meth:`render` does a handful of vectorised operations on the head crop.

    Parameters
    ----------
    asset : the subject's :class:`~rppg_lib.synth.face.FaceAsset` at working scale.
    skin_type : Fitzpatrick type 1-6.
    pulse_amplitude : ``A``, green peak-to-peak AC/DC in the gamma-encoded output
        (0.1-2 %, default 0.4 % per the simulator's design).
    d_epi_cm : epidermis thickness (0.006-0.01 cm).
    light_dir : direction to the light (x right, y down, z to the camera) [design].
    ambient : share of diffuse ambient light in the shading (0.35) [design].
    specular, shininess : ``k_s`` (linear, relative to full scale) and exponent [design].
    """

    def __init__(self, asset: FaceAsset, skin_type: int, pulse_amplitude: float = 0.004,
                 d_epi_cm: float = 0.008, light_dir=(-0.3, -0.45, 1.0), ambient: float = 0.35,
                 specular: float = 0.04, shininess: float = 30.0):
        if skin_type not in MU_EPI_694:
            raise ValueError(f"skin_type must be a Fitzpatrick type 1-6, got {skin_type!r}")
        ratio = melanin_transmittance(MU_EPI_694[skin_type], d_epi_cm) / melanin_transmittance(
            PHOTO_MU_EPI, d_epi_cm)
        m = asset.skin_all[..., None]
        albedo = asset.albedo * (1 - m + m * ratio)
        a = asset.alpha[..., None]
        diffuse = albedo * a
        # Planar (channel-first) copies: per-channel arithmetic on contiguous planes.
        self.diffuse = np.ascontiguousarray(np.moveaxis(diffuse, -1, 0), np.float32)
        self.diffuse_pulse = np.ascontiguousarray(
            self.diffuse * PULSE_COLOUR[:, None, None], np.float32)
        amp = GAMMA * pulse_amplitude * KAPPA[skin_type]
        w = asset.perfusion * amp
        self.w0 = np.ascontiguousarray(w * (1 - asset.delay), np.float32)
        self.w1 = np.ascontiguousarray(w * asset.delay, np.float32)
        self.alpha = np.ascontiguousarray(asset.alpha, np.float32)
        self.normals = np.ascontiguousarray(asset.normals, np.float32)
        self.light = _unit(light_dir)
        self.half = _unit(self.light + np.array([0.0, 0.0, 1.0]))
        self.ambient = ambient
        self.specular = specular
        self.shininess = shininess
        self.spec_map = np.ascontiguousarray(asset.spec_map * specular * asset.alpha, np.float32)
        shade0, spec0 = self._shade_spec(np.eye(3))
        self.inv_shade0 = (1.0 / shade0).astype(np.float32)
        self.spec0 = spec0
        self.skin_rgb = self._mean_skin_colour(asset, albedo)

    @staticmethod
    def _mean_skin_colour(asset, albedo):
        w = asset.skin
        return (albedo * w[..., None]).sum(axis=(0, 1)) / max(float(w.sum()), 1e-6)

    def _shade_spec(self, rot: np.ndarray):
        """Lambertian shading and specular images for a head rotation."""
        lt, ht = rot.T @ self.light, rot.T @ self.half
        n_l, n_h = cv2.split(cv2.transform(self.normals, np.array([lt, ht], np.float32)))
        shade = cv2.max(n_l, 0.0)
        shade = shade * np.float32(1 - self.ambient) + np.float32(self.ambient)
        spec = None
        if self.specular > 0:
            spec = cv2.pow(cv2.max(n_h, 0.0), self.shininess)
            spec *= self.spec_map
        return shade, spec

    def render(self, p_now: float, p_late: float, resp: float, rot: np.ndarray | None,
               riiv: float = 0.0, riav: float = 0.0) -> np.ndarray:
        """Head radiance (h, w, 4): linear RGB premultiplied by alpha, and alpha.

        ``p_now``, ``p_late``: the pulse at t and at ``t - TAU_REF_S``; ``resp``: r(t);
        ``rot``: head rotation matrix (None = frontal); ``riiv`` = b_I, ``riav`` = b_A.
        """
        k = -(1 + riav * resp)
        pulse = cv2.addWeighted(self.w0, float(k * p_now), self.w1, float(k * p_late), 0.0)
        dc = float(1 + riiv * resp)
        if rot is None:
            sigma, spec = None, self.spec0
        else:
            shade, spec = self._shade_spec(rot)
            sigma = shade * self.inv_shade0
        planes = []
        for c in range(3):
            x = self.diffuse_pulse[c] * pulse
            x += self.diffuse[c] * np.float32(dc) if dc != 1 else self.diffuse[c]
            if spec is not None:
                x += spec
            if sigma is not None:
                x *= sigma
            planes.append(x)
        planes.append(self.alpha)
        return cv2.merge(planes)
