"""From a text's sentiment and the author's stars to a label, a flag and a reply deadline.

The rule for star ratings (1–5):
- 1–2★: negative, whatever the text says: the author's own verdict, and a
  glowing text with one star is sarcasm or a slip that deserves a look;
- 3★: the text decides;
- 4–5★: the text decides, and a neutral text counts as positive. A furious
  text stays negative (people mis-click five stars).
The score is the mean of the text's score and the stars' ((stars − 3) / 2),
kept on the side of the label. A review is flagged for reply when its label is
negative or the text's probability of negative reaches the threshold.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sentiment.model import Score


def combine(text: Score, rating: float | None) -> tuple[str, float]:
    """The review's label and score in [-1, 1]."""
    if rating is None:
        return text.label, text.score
    if rating <= 2:
        label = "negative"
    elif rating >= 4 and text.label == "neutral":
        label = "positive"
    else:
        label = text.label
    score = (text.score + (rating - 3) / 2) / 2
    if label == "negative":
        score = min(score, 0.0)
    elif label == "positive":
        score = max(score, 0.0)
    return label, score


def flagged(text: Score, label: str, threshold: float) -> bool:
    return label == "negative" or text.probabilities[0] >= threshold


def reply_due(published_at: datetime | None, first_seen_at: datetime, sla: timedelta) -> datetime:
    """The deadline runs from publication; a source that gives no time counts from when we first saw it."""
    return (published_at or first_seen_at) + sla
