"""Importing posts from elsewhere: a CSV file (``table``) or an RSS/Atom feed (``feed``).

Both build :class:`~socialgit.importing.drafts.Draft` values, check each one as the post it
would be (``validate``'s rules, in memory), and write them only when every one is sound:
a post file per draft, never over an existing file, skipping a draft whose ``id`` a post
already has.
"""
