"""Training: the one loop every trainer runs on (:mod:`.loop`: NaN guard, epoch records, selection
of the kept epoch, checkpoints), seeding and device choice (:mod:`.common`), and the supervised and
contrastive video trainers of Gideon & Stent 2021 that later papers reuse (:mod:`.contrastive`), and
pruning (:mod:`.pruning`: ``snip_prune``, SNIP masks kept through training, structured channel pruning
at the same budget, sparse storage and execution; Deng & Ramakrishnan).
Paper-only trainers live in the paper's home and run on the same loop."""
from .common import resolve_device, seed_everything
from .loop import TrainingDivergedError, TrainingLoop, TrainResult
from .pruning import snip_prune

__all__ = ["resolve_device", "seed_everything", "snip_prune", "TrainingDivergedError", "TrainingLoop",
           "TrainResult"]
