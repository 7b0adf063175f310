"""The Data chapter: the face-video simulator and its validation against the literature.

``settings`` (profiles), ``experiment`` (cached validation clips, the Toolbox
protocol, ground-truth statistics), ``claims`` (the validation checks and their
rules), ``numbers.csv`` (literature numbers the checks compare with).
"""
#: The chapter's key: the name of this folder, of its notebook and of its records.
KEY = __name__.rsplit(".", 1)[-1]
TITLE = "Data: the face-video simulator and how far to trust it"
#: What ``data_root`` accepts: nothing, this chapter validates the simulator (its real clips come
#: from the data registry).
DATA_ROOT = None
