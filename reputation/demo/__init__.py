"""`reputation demo`: the whole product running live on one machine, without internet or accounts.

A local server imitates the supported sources of a fictional café chain (review
site, map service, social networks, app store, news feed) in the formats the
spiders read, with new reviews and posts appearing as time passes; a local SMTP
sink keeps the alert e-mails as .eml files; `reputation run` and `reputation
dashboard` run as child processes on a config written to the demo's folder.
"""
