"""A small stand-in for a Bluesky AppView, in front of the reference PDS.

The PDS the tests run stores records but serves no ``app.bsky.*`` views, so this answers
``app.bsky.feed.getPosts`` the way an AppView does (``posts`` with ``likeCount``,
``repostCount``, ``replyCount``, ``quoteCount``), with every count read from the records on
the PDS itself: the likes and reposts whose subject is the post, the posts that reply to it
(directly: its parent) or quote it. A post the PDS does not have is left out of ``posts``,
as an AppView leaves out what it does not know. Requests are kept, to check what was asked.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx


class AppView:
    def __init__(self, pds_url: str) -> None:
        self.pds = httpx.Client(base_url=pds_url, timeout=30)
        self.requests: list[str] = []
        view = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                view.requests.append(self.path)
                url = urlsplit(self.path)
                if url.path != "/xrpc/app.bsky.feed.getPosts":
                    return self._send(501, {"error": "MethodNotImplemented", "message": url.path})
                uris = parse_qs(url.query).get("uris", [])
                if not uris or len(uris) > 25:
                    return self._send(400, {"error": "InvalidRequest", "message": "uris: 1-25"})
                self._send(200, {"posts": [p for u in uris if (p := view.post(u))]})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.pds.close()

    def _get(self, nsid: str, **params: Any) -> Any:
        response = self.pds.get(f"/xrpc/{nsid}", params=params)
        return response.json() if response.is_success else None

    def post(self, uri: str) -> dict[str, Any] | None:
        did, collection, rkey = uri.removeprefix("at://").split("/")
        found = self._get("com.atproto.repo.getRecord", repo=did, collection=collection, rkey=rkey)
        if found is None:
            return None
        likes = reposts = replies = quotes = 0
        for repo in self._get("com.atproto.sync.listRepos", limit=1000)["repos"]:
            for record in self._records(repo["did"], "app.bsky.feed.like"):
                likes += record.get("subject", {}).get("uri") == uri
            for record in self._records(repo["did"], "app.bsky.feed.repost"):
                reposts += record.get("subject", {}).get("uri") == uri
            for record in self._records(repo["did"], "app.bsky.feed.post"):
                replies += record.get("reply", {}).get("parent", {}).get("uri") == uri
                quotes += record.get("embed", {}).get("record", {}).get("uri") == uri
        return {
            "uri": uri,
            "cid": found["cid"],
            "author": {"did": did},
            "record": found["value"],
            "likeCount": likes,
            "repostCount": reposts,
            "replyCount": replies,
            "quoteCount": quotes,
            "indexedAt": found["value"].get("createdAt"),
        }

    def _records(self, did: str, collection: str) -> list[dict[str, Any]]:
        answer = self._get("com.atproto.repo.listRecords", repo=did, collection=collection)
        return [r["value"] for r in (answer or {}).get("records", [])]
