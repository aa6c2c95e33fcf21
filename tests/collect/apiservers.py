"""Real HTTP servers on 127.0.0.1 for collector tests and the collection benchmark.

``LocalServer`` runs any app (request in, ``Reply`` out) in a thread, on a free port, with a
fault queue in front of it: 429 with reset headers, 5xx, a delay longer than the client's
timeout, a body cut short mid-transfer, or a whole-but-invalid JSON body.

``XApi`` answers the three X API v2 endpoints the collector uses, from real response objects
(tests/fixtures/x-v2: twarc2 pages and a users lookup, MIT, DocNow/twarc-csv): each simulated
account's timeline is made of real tweet objects given new ids, newest first, served with
``since_id``, ``pagination_token`` and ``max_results`` as the real API does, with the referenced
posts and their authors in ``includes``. It enforces a bearer token and a per-endpoint rate
limit (``x-rate-limit-*`` headers) on a clock that may be simulated.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout test sets it above the client's)
    truncate: bool = False  # announce the full length, send half, close: a body cut short

    @staticmethod
    def json(obj: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})


App = Callable[[Request], Reply]


class LocalServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self.requests: list[Request] = []
        self.faults: list[tuple[Callable[[Request], bool], Reply]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                req = Request("GET", parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()})
                reply = server._answer(req)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.truncate:
                        self.wfile.write(reply.body[: len(reply.body) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _answer(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            for i, (match, reply) in enumerate(self.faults):
                if match(req):
                    del self.faults[i]
                    return reply
        return self.app(req)

    def inject(self, reply: Reply, match: Callable[[Request], bool] | None = None, times: int = 1) -> None:
        with self._lock:
            for _ in range(times):
                self.faults.append((match or (lambda r: True), reply))

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- X API v2 --------------------------------------------------------------------------------


def _real_pages() -> list[dict]:
    path = FIXTURES / "x-v2" / "twarc2" / "noflat.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _real_users() -> list[dict]:
    path = FIXTURES / "x-v2" / "twarc2" / "users.jsonl"
    users: list[dict] = []
    for line in path.read_text().splitlines():
        if line.strip():
            users.extend(json.loads(line).get("data", []))
    return users


class RateLimit:
    """``limit`` requests per ``window`` seconds per key, on ``clock`` (anything with ``now()``)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.state: dict[str, tuple[float, int]] = {}  # key -> (window start, used)
        self.rejected = 0
        self._lock = threading.Lock()

    def take(self, key: str) -> tuple[bool, dict[str, str]]:
        with self._lock:
            now = self.clock()
            start, used = self.state.get(key, (now, 0))
            if now >= start + self.window:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            else:
                self.rejected += 1
            self.state[key] = (start, used)
            headers = {
                "x-rate-limit-limit": str(self.limit),
                "x-rate-limit-remaining": str(self.limit - used),
                "x-rate-limit-reset": str(int(start + self.window + 0.999)),
            }
            return allowed, headers


class XApi:
    """The X API v2 endpoints users/by, users and users/:id/tweets over simulated accounts."""

    def __init__(
        self,
        n_accounts: int,
        posts_per_account: int | Callable[[int], int],
        *,
        token: str = "test-token",
        clock: Callable[[], float] = time.time,
        rate_limit: tuple[int, float] | None = None,
        newest: datetime = datetime(2026, 11, 1, tzinfo=UTC),
    ) -> None:
        self.token = token
        self.clock = clock
        self.delay = 0.0  # seconds before each answer (a kill test needs a run that takes a while)
        self.limiter = RateLimit(rate_limit[0], rate_limit[1], clock) if rate_limit else None
        pages = _real_pages()
        self.pool_tweets = {t["id"]: t for p in pages for t in p.get("includes", {}).get("tweets", [])}
        self.pool_users = {u["id"]: u for p in pages for u in p.get("includes", {}).get("users", [])}
        real_tweets = [t for p in pages for t in p.get("data", [])]
        real_users = _real_users()
        self.users: dict[str, dict] = {}
        self.timelines: dict[str, list[dict]] = {}
        self.suspended: set[str] = set()
        self.renamed: dict[str, str] = {}
        seq = 0
        for i in range(n_accounts):
            u = copy.deepcopy(real_users[i % len(real_users)])
            uid = str(9_000_000_000 + i)
            u["id"], u["username"], u["protected"] = uid, f"acct{i:04d}", False
            self.users[uid] = u
            n = posts_per_account(i) if callable(posts_per_account) else posts_per_account
            timeline = []
            for k in range(n):
                seq += 1
                t = copy.deepcopy(real_tweets[(i * 7 + k) % len(real_tweets)])
                t.pop("edit_history_tweet_ids", None)
                t["author_id"] = uid
                t["created_at"] = (newest - timedelta(hours=k, minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                timeline.append(t)
            self.timelines[uid] = timeline
        self._renumber()

    def _renumber(self) -> None:
        """Ids that grow with time across all accounts, as X's do."""
        everything = [(t["created_at"], uid, t) for uid, tl in self.timelines.items() for t in tl]
        everything.sort(key=lambda x: (x[0], x[1]))
        for n, (_, _, t) in enumerate(everything):
            t["id"] = str(1_500_000_000_000_000_000 + n * 1000)
            t["conversation_id"] = t["id"] if not t.get("referenced_tweets") else t.get("conversation_id", t["id"])
        for tl in self.timelines.values():
            tl.sort(key=lambda t: int(t["id"]), reverse=True)

    # mutations a test makes between runs
    def add_post(self, uid: str, text: str, when: datetime) -> str:
        t = {
            "id": "",
            "text": text,
            "author_id": uid,
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": "en",
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        }
        newest = max((int(x["id"]) for tl in self.timelines.values() for x in tl), default=0)
        t["id"] = str(newest + 1000)
        self.timelines[uid].insert(0, t)
        return t["id"]

    def delete_post(self, uid: str, post_id: str) -> None:
        self.timelines[uid] = [t for t in self.timelines[uid] if t["id"] != post_id]

    # the app
    def __call__(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return Reply.json(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401
            )
        if req.path in ("/2/users/by", "/2/users"):
            bucket = "users"
        elif req.path.startswith("/2/users/") and req.path.endswith("/tweets"):
            bucket = "tweets"
        else:
            return Reply.json({"title": "Not Found Error", "detail": f"no route {req.path}"}, 404)
        headers: dict[str, str] = {}
        if self.limiter is not None:
            ok, headers = self.limiter.take(bucket)
            if not ok:
                return Reply.json(
                    {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}, 429, headers
                )
        reply = Reply.json(self._lookup(req) if bucket == "users" else self._timeline(req), headers=headers)
        reply.delay = self.delay
        return reply

    def _user_view(self, uid: str) -> dict:
        u = dict(self.users[uid])
        if uid in self.renamed:
            u["username"] = self.renamed[uid]
        u["public_metrics"] = dict(u.get("public_metrics", {}), tweet_count=len(self.timelines[uid]))
        return u

    def _lookup(self, req: Request) -> dict:
        data, errors = [], []
        if req.path == "/2/users/by":
            names = (req.arg("usernames") or "").split(",")
            by_name = {self._user_view(uid)["username"].lower(): uid for uid in self.users}
            for name in names:
                uid = by_name.get(name.lower())
                self._one(uid, name, "usernames", data, errors)
        else:
            for uid in (req.arg("ids") or "").split(","):
                self._one(uid if uid in self.users else None, uid, "ids", data, errors)
        page: dict = {"data": data} if data else {}
        if errors:
            page["errors"] = errors
        return page

    def _one(self, uid: str | None, value: str, param: str, data: list, errors: list) -> None:
        if uid is not None and uid in self.suspended:
            errors.append(
                {
                    "value": value,
                    "detail": f"User has been suspended: [{value}].",
                    "title": "Forbidden",
                    "resource_type": "user",
                    "parameter": param,
                    "resource_id": value,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            )
        elif uid is None:
            errors.append(
                {
                    "value": value,
                    "detail": f"Could not find user with {param}: [{value}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": param,
                    "resource_id": value,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            )
        else:
            data.append(self._user_view(uid))

    def _timeline(self, req: Request) -> dict:
        uid = req.path.split("/")[3]
        if uid not in self.users:
            return {
                "errors": [
                    {
                        "title": "Not Found Error",
                        "detail": f"Could not find user with id: [{uid}].",
                        "resource_id": uid,
                        "resource_type": "user",
                        "parameter": "id",
                    }
                ]
            }
        size = max(5, min(100, int(req.arg("max_results") or 10)))
        items = self.timelines[uid]
        since = req.arg("since_id")
        if since:
            items = [t for t in items if int(t["id"]) > int(since)]
        start = req.arg("start_time")
        if start:
            items = [t for t in items if t["created_at"] >= start.replace("Z", ".000Z")]
        token = req.arg("pagination_token")
        offset = int(token.removeprefix("tok")) if token else 0
        chunk = items[offset : offset + size]
        meta: dict = {"result_count": len(chunk)}
        if chunk:
            meta["newest_id"], meta["oldest_id"] = chunk[0]["id"], chunk[-1]["id"]
        if offset + size < len(items):
            meta["next_token"] = f"tok{offset + size}"
        page: dict = {"meta": meta}
        if chunk:
            page["data"] = chunk
            refs = [
                self.pool_tweets[r["id"]]
                for t in chunk
                for r in t.get("referenced_tweets", [])
                if r["id"] in self.pool_tweets
            ]
            users = [self._user_view(uid)]
            users += [self.pool_users[r["author_id"]] for r in refs if r.get("author_id") in self.pool_users]
            distinct = {u["id"]: u for u in users}  # X lists each included user once
            page["includes"] = {"users": list(distinct.values())}
            if refs:
                page["includes"]["tweets"] = refs
        return page
