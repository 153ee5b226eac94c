"""Driving analytics: stages between tracker and annotators that only add data.

Importing this package registers the built-in stages (`distance`, `collision`,
`speed`, `zones`, `lines`, `objects`); the `csv` sink that writes their events is `detect.sinks.csv`.
"""

from detect.analytics import collision, distance, lines, objects, speed, zones

__all__ = ["collision", "distance", "lines", "objects", "speed", "zones"]
