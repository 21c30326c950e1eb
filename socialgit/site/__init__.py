"""``socialgit site``: a static dashboard of the content repository, from the files alone.

data     what the pages show: the plan, the months, each post as its targets receive it,
         the report's aggregates (socialgit.stats)
html     escaping and the page frame
pages    the pages: the current month, the plan and the charts; a page per month, the
         list of posts, a page per post
build    writing the folder: pages, the assets (CSS, the script that draws the charts,
         Chart.js and its matrix plugin, vendored in assets/vendor), the posts' images

Nothing is fetched from another host when a page opens: every file is in the folder, and
the links to the networks are only followed when a person clicks one.
"""
