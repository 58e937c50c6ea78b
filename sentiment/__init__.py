"""Sentiment: model loading, language detection, batch scoring, flagging, training and evaluation.

Imports stay light here: the crawlers use `sentiment.language` without loading torch.
"""
