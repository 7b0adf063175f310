"""What every chapter notebook does at its start and its end, in one call each.

::

    chapter = Chapter.start(KEY, profile, seed=seed, device=device, results_dir=results_dir)
    cfg, dev, seeds = chapter.settings, chapter.device, chapter.seeds
    ...
    chapter.claims(verdicts, data_source)     # record, the "What this run found" box, the claims table
    ...
    chapter.finish(data_source)               # the provenance table of the last cell

A chapter's trainings checkpoint into :meth:`Chapter.checkpoint_dir` (one folder per named training of the run),
so a killed run, rerun, continues every training from its last ``resume.pt``
(:meth:`rppg_lib.train.loop.TrainingLoop.resume`); :meth:`Chapter.finish` removes the run's checkpoints once the
run is through (they are for a run that stopped; a ResNet-18 training of niu2018 leaves about 260 MB).

:meth:`Chapter.start` resolves the profile's settings from the chapter's home, picks the device in the
one place the library does it (:func:`rppg_lib.train.common.resolve_device`: ``"auto"`` is CUDA when
PyTorch sees a GPU), sets the CPU threads the settings ask for and derives the run's seeds.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Chapter", "training_checkpoint", "training_name", "CHECKPOINT_PROFILES"]

_TRAINING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+=-]*$")
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_.+=-]+")


#: The profiles whose trainings checkpoint. A smoke run trains for seconds (nothing worth resuming), and its
#: checkpoints would cost more than its trainings: niu2018's ResNet-18 writes about 260 MB per epoch.
CHECKPOINT_PROFILES = ("book", "paper")


def training_checkpoint(chapter, *parts):
    """The checkpoint folder (:meth:`Chapter.checkpoint_dir`) of the training named by ``parts``, or None
    without a chapter or at a profile outside :data:`CHECKPOINT_PROFILES` (the trainer then writes no files and
    never resumes).

    ``parts`` (network, data, seed, fold...) are joined with ``-``; any run of characters other than letters,
    digits and ``_ . + = -`` becomes ``_``, e.g. ``("synthetic", "mahnob-like", "seed0", "fold1")`` ->
    ``"synthetic-mahnob-like-seed0-fold1"``.
    """
    if chapter is None or chapter.profile not in CHECKPOINT_PROFILES:
        return None
    return chapter.checkpoint_dir(training_name(*parts))


def training_name(*parts) -> str:
    """``parts`` joined into a training's name as :func:`training_checkpoint` names its folder."""
    return "-".join(_NOT_IN_NAME.sub("_", str(p)).strip("_") for p in parts)


def _setting_words(name: str) -> str:
    """``look.n_subjects`` -> ``look: n subjects`` (a setting's name as a page shows it)."""
    return name.replace(".", ": ").replace("_", " ")


@dataclass
class Chapter:
    """One run of one chapter. Build it with :meth:`start`.

    key, profile : the chapter and its profile; settings : the profile's ``Settings`` of the home;
    device : ``"cpu"`` or ``"cuda"`` (a string); seed : the notebook's seed; seeds : the seeds the run
    trains (``seed + s`` for every ``s`` of ``settings.seeds``, or ``[seed]``); results_dir : where the
    records go (None: ``results/``); started : ``time.perf_counter()`` at the start.
    """

    key: str
    profile: str
    settings: object
    device: str
    seed: int
    seeds: list = field(default_factory=list)
    results_dir: object = None
    started: float = 0.0

    @classmethod
    def start(cls, key: str, profile: str, *, seed: int = 0, device: str = "auto", results_dir=None) -> "Chapter":
        """Resolve the settings of ``key`` at ``profile``, pick the device, set the threads, derive the seeds."""
        import torch

        from .profiles import resolve
        from .train.common import resolve_device

        started = time.perf_counter()
        cfg = resolve(key, profile)
        dev = resolve_device(device)
        threads = getattr(cfg, "threads", None)
        if threads:
            torch.set_num_threads(int(threads))
        offsets = getattr(cfg, "seeds", None)
        seeds = [seed + int(s) for s in offsets] if offsets else [seed]
        return cls(key, profile, cfg, "cuda" if dev.type == "cuda" else str(dev), seed, seeds, results_dir, started)

    @property
    def seconds(self) -> float:
        """Wall time since :meth:`start`."""
        return time.perf_counter() - self.started

    def checkpoint_dir(self, name: str) -> Path:
        """The checkpoint folder of the training ``name`` of this run:
        ``<results_dir or results/>/checkpoints/<key>/<profile>/seed<seed>/<name>/`` (not created here; the
        training loop writes ``best.pt``, ``last.pt`` and ``resume.pt`` into it).

        ``name`` tells one training of the run from every other (network, seed, fold, data), in letters,
        digits and ``_ . + = -``, e.g. ``"scratch-seed0-fold1"``. A rerun of the chapter passes the same
        name and so resumes that training; its settings and data are checked by the loop, which starts over
        when either changed.
        """
        if not isinstance(name, str) or not _TRAINING_NAME.match(name):
            raise ValueError(f"a training's name is letters, digits and '_.+=-', not starting with a sign; "
                             f"got {name!r}")
        return self._checkpoints() / name

    def _checkpoints(self) -> Path:
        from .results import default_results_dir

        base = Path(self.results_dir) if self.results_dir is not None else default_results_dir()
        return base / "checkpoints" / self.key / self.profile / f"seed{int(self.seed)}"

    def header(self, data_source: str, settings: str = ""):
        """The run header box (profile, data, seeds, device, revision) the chapter shows under its title."""
        from .display import run_header

        return run_header(self.profile, data_source, seeds=self.seeds, device=self.device, settings=settings)

    def claims(self, verdicts, data_source: str, seeds=None):
        """Write the chapter's claims record, glue its "What this run found" box (shown at the top of the
        page) and return the claims table (an IPython HTML object) for the cell to show."""
        from IPython.display import HTML

        from .claims_page import verdicts_html
        from .display import glue_found
        from .results import write_claims

        verdicts = list(verdicts)
        write_claims(self.key, verdicts, profile=self.profile, data_source=data_source,
                     seeds=self.seeds if seeds is None else seeds, results_dir=self.results_dir)
        glue_found(self.key, self.profile, self.results_dir)
        return HTML(verdicts_html(verdicts))

    def paper_differences(self):
        """The settings of this run that differ from the paper profile's, as a table (an IPython HTML object),
        generated from the profile actually run: the page's "what differs from the paper" never goes stale."""
        from IPython.display import HTML

        from .display import frame_html
        from .profiles import differences

        table = differences(self.key, self.profile)
        if table.empty:
            return HTML("<p>This run used the paper profile: every setting is the paper's.</p>")
        return HTML(f"<p>The {len(table)} settings of this run (profile <b>{self.profile}</b>) that differ from the "
                    f"paper profile's:</p>" + frame_html(table.set_index("setting").rename(index=_setting_words)))

    def finish(self, data_source: str, keep_checkpoints: bool = False):
        """The provenance table of the chapter's last cell (profile, data, seed, device, wall time, versions).

        The run is through: its checkpoint folders (:meth:`checkpoint_dir`) are removed unless
        ``keep_checkpoints``, so a finished run leaves no training state behind and a new run trains anew."""
        import shutil

        from .results import provenance

        if not keep_checkpoints:
            shutil.rmtree(self._checkpoints(), ignore_errors=True)

        return provenance(self.profile, data_source, self.seed, self.seconds, device=self.device)
