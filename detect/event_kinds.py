"""What an event is (`Event.kind`, the record's `event` field), one constant per kind.

Producers and consumers (the zones annotator, sinks, tests) share these, so a misspelt
kind is an import error, not an event nobody ever matches.
"""

from __future__ import annotations

ZONE_CONFIG = "zone_config"
ZONE_ENTER = "zone_enter"
ZONE_LEAVE = "zone_leave"
ZONE_OCCUPANCY = "zone_occupancy"
LINE_CONFIG = "line_config"
LINE_CROSSING = "line_crossing"
COLLISION_WARNING = "collision_warning"
LEAD_VEHICLE = "lead_vehicle"
GAP = "gap"
"""A live source reconnected; the first frame after it carries this."""
LIVE_SOURCE = "live_source"
"""The settings a webcam or stream granted, once at open."""
LIVE_STATS = "live_stats"
"""Frame rate, latency and drops of a live run (written by the jsonl sink)."""
