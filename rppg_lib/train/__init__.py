"""Training utilities: seeding and device choice (:mod:`.common`), the
classifier recipe of Kopeliovich et al. 2019 with the LR range test and 1cycle
(:mod:`.classifier`), and the supervised / contrastive video loops of Gideon &
Stent 2021 (:mod:`.contrastive`)."""
from .common import resolve_device, seed_everything

__all__ = ["resolve_device", "seed_everything"]
