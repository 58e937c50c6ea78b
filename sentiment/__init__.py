"""Sentiment: model loading, language detection, batch scoring, flagging, training and evaluation."""
