"""One home per paper: ``rppg_lib/papers/<key>/`` (see :mod:`rppg_lib.homes`).

:data:`PLANNED` names the papers of the compendium that have no home yet, so
the book can list them as coming.
"""

#: Papers of the compendium without a chapter yet: key -> citation.
PLANNED: dict[str, str] = {}  # every paper of the compendium has its chapter
