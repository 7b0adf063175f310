"""What every chapter notebook does at its start and its end, in one call each.

::

    chapter = Chapter.start(KEY, profile, seed=seed, device=device, results_dir=results_dir)
    cfg, dev, seeds = chapter.settings, chapter.device, chapter.seeds
    ...
    chapter.claims(verdicts, data_source)     # record, the "What this run found" box, the claims table
    ...
    chapter.finish(data_source)               # the provenance table of the last cell

:meth:`Chapter.start` resolves the profile's settings from the chapter's home, picks the device in the
one place the library does it (:func:`rppg_lib.train.common.resolve_device`: ``"auto"`` is CUDA when
PyTorch sees a GPU), sets the CPU threads the settings ask for and derives the run's seeds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["Chapter"]


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

    def finish(self, data_source: str):
        """The provenance table of the chapter's last cell (profile, data, seed, device, wall time, versions)."""
        from .results import provenance

        return provenance(self.profile, data_source, self.seed, self.seconds, device=self.device)
