"""The reply assistant: drafts that follow good complaint practice, and a checker that catches bad replies.

`draft_for_review(store, config, review_id)` proposes a reply in the review's
language; `check_reply(text, language, config=..., store=..., review_id=..., model=...)`
lists findings (rule, start, end, excerpt, suggestion). The rules, phrase lists
and templates are data: rules/<language>.yaml, plus the config's replies.rules.
"""

from reputation.replies.checker import Finding, check_reply
from reputation.replies.drafts import Draft, draft_for_review
from reputation.replies.rules import RULES, RulesError

__all__ = ["Draft", "Finding", "RULES", "RulesError", "check_reply", "draft_for_review"]
