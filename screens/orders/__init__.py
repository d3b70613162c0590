"""The orders of a visit and the point-of-care test screen."""
