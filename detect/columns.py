"""Names of analytics data: per-detection columns, event record fields and event kinds.

Stages write these names and annotators, sinks and tests read them; spelling a name
here once turns a typo into an import error instead of a silently missing value.
"""

from __future__ import annotations

DISTANCE_M = "distance_m"
"""Forward range to the road user in metres (`distance`, NaN when unknown)."""
DISTANCE_METHOD = "distance_method"
"""How the range was found: a `RangeMethod` name (ground, height, bound, none)."""
IN_LANE = "in_lane"
"""The road user's anchor is inside the ego lane (`collision`)."""
IS_LEAD = "is_lead"
"""The nearest tracked road user in the ego lane (`collision`)."""
TTC_S = "ttc_s"
"""Time to collision in seconds (`collision`, NaN = not closing or unknown)."""
WARNING_LEVEL = "warning_level"
"""0 none, 1 caution, 2 danger (`collision`, debounced)."""
REL_SPEED_MPS = "rel_speed_mps"
"""Range rate in m/s, negative = closing in (`speed`)."""
SPEED_MPS = "speed_mps"
"""The road user's own speed when the ego speed is known (`speed`)."""
ZONE_COLUMN_PREFIX = "zone_"
"""`zone_<name>`: the detection is inside that zone (`zones`)."""

DETECTION_COLUMNS = frozenset(
    {DISTANCE_M, DISTANCE_METHOD, IN_LANE, IS_LEAD, TTC_S, WARNING_LEVEL, REL_SPEED_MPS, SPEED_MPS}
)
"""Every fixed per-detection column; zone columns are named by `zone_column`."""


def zone_column(zone: str) -> str:
    """The boolean column of one named zone."""
    return f"{ZONE_COLUMN_PREFIX}{zone}"


def is_declared_column(name: str) -> bool:
    """True for a fixed column or a zone column."""
    return name in DETECTION_COLUMNS or name.startswith(ZONE_COLUMN_PREFIX)


EVENT = "event"
"""An event record's kind (`Event.kind`); a record without it is a frame record."""
FRAME = "frame"
PTS = "pts"
TRACK_ID = "track_id"
"""The track an event or a detection record is about (null when none)."""
CLASS_NAME = "class_name"
ZONE = "zone"
LINE = "line"
KIND = "kind"
"""What a zone is (`ZONE_KIND` or `EGO_LANE`); for `live_source`, webcam or stream."""
ZONE_KIND = "zone"
EGO_LANE = "ego_lane"
"""The collision stage's ego lane: its zone name and kind."""
POLYGON = "polygon"
START = "start"
END = "end"
LEVEL = "level"
DIRECTION = "direction"
COUNTS = "counts"
TOTAL = "total"
TOTAL_IN = "total_in"
TOTAL_OUT = "total_out"
SOURCE = "source"
FILE = "file"
"""The image file a frame record is about (image sources only)."""
STREAM = "stream"
"""The stream's name in a multi-stream run (JSONL frame and event lines; absent in a one-stream run)."""

SUBJECT_FIELDS = (ZONE, LINE)
"""What an event is about, written before its track: `{"zone": "a", "track_id": 3, ...}`."""

# Event kinds (`Event.kind`, the record's `event` field): a misspelt kind is an import error,
# not an event nobody ever matches.

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
EVENT_KINDS = frozenset({ZONE_CONFIG, ZONE_ENTER, ZONE_LEAVE, ZONE_OCCUPANCY, LINE_CONFIG, LINE_CROSSING,
                         COLLISION_WARNING, LEAD_VEHICLE, GAP, LIVE_SOURCE, LIVE_STATS})
