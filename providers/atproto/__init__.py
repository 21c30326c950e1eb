"""AT Protocol plumbing for the networks built on it (Bluesky today).

- ``xrpc``: calling a PDS (sessions, records, blobs), record keys derived from a delivery;
- ``richtext``: links, mentions and tags found in a text, as ``app.bsky.richtext`` facets;
- ``tlds``: the top-level domains a bare domain may end with, for ``richtext``.
"""
