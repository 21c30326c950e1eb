"""What happened after a post went out (pure functions of the post files).

snapshots  the fixed ages metrics are taken at, and the ``metrics:`` entries in ``results:``
deliveries every published delivery with its snapshots, read from the content
report      the aggregates of ``socialgit report`` (per post, per week, top posts, when to post)
render      the report as text, Markdown, JSON and CSV
"""
