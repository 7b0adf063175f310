"""The Data chapter: the face-video simulator and its validation against the literature.

``settings`` (profiles), ``experiment`` (cached validation clips, the Toolbox
protocol, ground-truth statistics), ``claims`` (the validation checks and their
rules), ``numbers.csv`` (literature numbers the checks compare with).
"""
TITLE = "Simulated face videos and their validation"
#: What ``data_root`` accepts: nothing, this chapter validates the simulator (its real clips come
#: from the data registry).
DATA_ROOT = None
