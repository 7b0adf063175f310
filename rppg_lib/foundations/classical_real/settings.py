"""Settings of the classical-methods chapter (``notebooks/classical_real.ipynb``) per profile.

``uw_max_minutes``: how much of the UW oximetry recording is used (None = all of it);
``window_s`` / ``step_s``: length and step of the HR windows; ``welltory_subjects``: how many
Welltory recordings are used (the chapter's "every subject" check needs all of them).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """One profile's settings of this chapter (the module docstring says what each means)."""

    uw_max_minutes: float | None
    window_s: float
    step_s: float
    welltory_subjects: int


_PROFILES = {
    # UW oximetry: 18 min at 30 Hz; smoke looks at its first 4 minutes only.
    "smoke": {"uw_max_minutes": 4.0, "window_s": 30.0, "step_s": 30.0, "welltory_subjects": 2},
    "book": {"uw_max_minutes": None, "window_s": 30.0, "step_s": 15.0, "welltory_subjects": 4},
    "paper": {"uw_max_minutes": None, "window_s": 30.0, "step_s": 5.0, "welltory_subjects": 4},
}

#: One :class:`Settings` per profile, resolved by :func:`rppg_lib.profiles.resolve`.
SETTINGS = {name: Settings(**values) for name, values in _PROFILES.items()}
