"""E-mail alerts: one per newly flagged review (or a digest), escalations, through an outbox.

See `outbox` for the delivery guarantees and `content` for what the messages say.
"""

from reputation.alerts.outbox import HOLD, check_escalations, deliver_pending, enqueue_flagged, release_held

__all__ = ["HOLD", "check_escalations", "deliver_pending", "enqueue_flagged", "release_held"]
