"""The service layer: what the JSON API (api/) and the pages (web/) both call.

Reads check the caller's right to see a record; writes check the caller's relationship to it,
then send the typed command to its workflow as an Update. Neither api/ nor web/ imports the
other: both import this package, the domain and the workflows' Update methods.
"""
