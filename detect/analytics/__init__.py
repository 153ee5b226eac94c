"""Driving analytics: stages between tracker and annotators that only add data.

Importing this package registers the built-in stages (`distance`, `collision`,
`speed`, `zones`, `lines`) and the `csv` event sink.
"""

from detect.analytics import collision, csv_sink, distance, lines, speed, zones

__all__ = ["collision", "csv_sink", "distance", "lines", "speed", "zones"]
