"""The ego lane as an image polygon: given by the user, or a trapezoid from calibration."""

from __future__ import annotations

import math

import numpy as np

from detect.analytics.camera import Camera
from detect.analytics.geometry import ground_point, project_ground

NEAREST_M = 1.0
BELOW_IMAGE_PX = 20.0


def default_ego_lane(camera: Camera, lane_width_m: float, length_m: float) -> np.ndarray:
    """A lane-wide strip of flat road straight ahead, from just below the image to `length_m`.

    Starting below the frame keeps boxes cut by the bottom edge inside the lane.
    Assumes the camera sits on the car's centre line and looks along the road; a
    camera mounted off-centre or yawed needs an explicit `lane` polygon.
    """
    _, near = ground_point(camera, np.array([camera.cx]), np.array([camera.height + BELOW_IMAGE_PX]))
    near_m = float(near[0]) if math.isfinite(near[0]) else NEAREST_M
    near_m = max(near_m, NEAREST_M)
    far_m = max(length_m, near_m + 1.0)
    half = lane_width_m / 2
    x = np.array([-half, half, half, -half])
    z = np.array([near_m, near_m, far_m, far_m])
    u, v = project_ground(camera, x, z)
    return np.stack([u, v], axis=1)
