"""X API v2 mapping, checked field by field against what the real raw JSON says.

Expected values are computed here from the fixture files with the standard ``json`` module,
following the documented rules (docs/data-model.md), never by calling the importer's mapping.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diplotrack.importers.run import import_paths
from diplotrack.store.raw import load_raw

POST_COLUMNS = (
    "author_id",
    "author_handle",
    "created_at",
    "text",
    "lang",
    "kind",
    "reposted_post_id",
    "reposted_author_id",
    "quoted_post_id",
    "quoted_author_id",
    "replied_to_post_id",
    "replied_to_author_id",
    "conversation_id",
    "source_client",
    "like_count",
    "repost_count",
    "reply_count",
    "quote_count",
    "metrics_observed_at",
)


# -- the independent model ------------------------------------------------------------------


def utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.astimezone(UTC).replace(tzinfo=None)


def pages_of(path: Path) -> list[tuple[int, bytes, dict]]:
    """The parseable pages of a JSONL file (a truncated line is left out: it is a skip)."""
    out = []
    for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if line.strip():
            try:
                out.append((n, line, json.loads(line)))
            except json.JSONDecodeError:
                continue
    return out


def expected_entities(t: dict, media: dict) -> set[tuple[str, str, str]]:
    ents = t.get("entities") or {}
    out = set()
    for h in ents.get("hashtags") or []:
        out.add(("hashtag", h["tag"], h["tag"].casefold()))
    for h in ents.get("cashtags") or []:
        out.add(("cashtag", h["tag"], h["tag"].casefold()))
    for m in ents.get("mentions") or []:
        out.add(("mention", m["username"], m["username"].lower()))
    for u in ents.get("urls") or []:
        if "media_key" in u:
            continue
        out.add(("url", u["url"], u.get("unwound_url") or u.get("expanded_url") or u["url"]))
    for key in (t.get("attachments") or {}).get("media_keys") or []:
        m = media.get(key, {})
        out.add(("media", key, m.get("url") or m.get("preview_image_url") or m.get("type") or key))
    return out


def expected_post(t: dict, users: dict, tweet_authors: dict, observed: datetime | None, media: dict) -> dict:
    refs = {}
    for r in t.get("referenced_tweets") or []:
        refs.setdefault(r["type"], r["id"])
    rt, qt, rp = refs.get("retweeted"), refs.get("quoted"), refs.get("replied_to")
    reply_user = t.get("in_reply_to_user_id")
    if rt:
        kind = "repost"
    elif qt:
        kind = "quote"
    elif rp:  # in_reply_to_user_id alone (a post opening with an @mention) is no reply to a post
        kind = "reply"
    else:
        kind = "original"
    author = users.get(t.get("author_id")) or t.get("author")
    pm = t.get("public_metrics")
    return {
        "author_id": t.get("author_id"),
        "author_handle": author["username"] if author else None,
        "created_at": utc(t.get("created_at")),
        "text": t.get("text"),
        "lang": t.get("lang"),
        "kind": kind,
        "reposted_post_id": rt,
        "reposted_author_id": tweet_authors.get(rt) if rt else None,
        "quoted_post_id": qt,
        "quoted_author_id": tweet_authors.get(qt) if qt else None,
        "replied_to_post_id": rp,
        "replied_to_author_id": reply_user or (tweet_authors.get(rp) if rp else None),
        "conversation_id": t.get("conversation_id"),
        "source_client": t.get("source"),
        "like_count": pm["like_count"] if pm else None,
        "repost_count": pm["retweet_count"] if pm else None,
        "reply_count": pm["reply_count"] if pm else None,
        "quote_count": pm["quote_count"] if pm else None,
        "metrics_observed_at": observed if pm else None,
        "_entities": expected_entities(t, media),
    }


def page_model(page: dict) -> tuple[dict, dict, list]:
    """(posts by id with their first pointer, users by id with pointer, error entries) of one page."""
    retrieved = utc(page["__twarc"]["retrieved_at"]) if "__twarc" in page else None
    inc = page.get("includes") or {}
    data = page.get("data")
    # a single-tweet page: the pointer is /data itself
    single = isinstance(data, dict)
    data_items = [("/data", data)] if single else [(f"/data/{i}", x) for i, x in enumerate(data or [])]
    tweets = [(ptr, x) for ptr, x in data_items if "username" not in x]
    tweets += [(f"/includes/tweets/{i}", x) for i, x in enumerate(inc.get("tweets") or [])]
    user_objs = [(ptr, x) for ptr, x in data_items if "username" in x]
    user_objs += [(f"/includes/users/{i}", x) for i, x in enumerate(inc.get("users") or [])]
    users = {u["id"]: u for _, u in user_objs}
    tweet_authors = {t["id"]: t.get("author_id") for _, t in tweets}
    media = {m["media_key"]: m for m in inc.get("media") or []}
    posts: dict[str, tuple[str, list[dict]]] = {}
    for ptr, t in tweets:
        exp = expected_post(t, users, tweet_authors, retrieved, media)
        if t["id"] in posts:
            posts[t["id"]][1].append(exp)
        else:
            posts[t["id"]] = (ptr, [exp])
    by_user: dict[str, tuple[str, dict]] = {}
    for ptr, u in user_objs:
        by_user.setdefault(u["id"], (ptr, u))
    return posts, by_user, page.get("errors") or []


def expected_labels(u: dict) -> tuple[str | None, str | None, str | None]:
    """(verified_type, affiliation, url) as docs/data-model.md says: X's words, NULL where it says
    nothing; the profile link expanded where entities.url expands it, X's "" meaning none."""
    aff = u.get("affiliation") or {}
    words = [w for w in (aff.get("description"), aff.get("url")) if w]
    affiliation = f"{words[0]} ({words[1]})" if len(words) == 2 else (words[0] if words else None)
    url = u.get("url") or None
    for e in ((u.get("entities") or {}).get("url") or {}).get("urls") or []:
        # the link's own entry (entities_test.jsonl has users with entities.url and no "url" key)
        if url is None or e.get("url") == url:
            url = e.get("expanded_url") or e.get("url") or url
            break
    return u.get("verified_type"), affiliation, url


def resolve(doc: object, pointer: str) -> object:
    for part in [p for p in pointer.split("/") if p]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


# -- store access ------------------------------------------------------------------------------


def stored_posts(con, rows) -> dict[str, dict]:
    return {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}


def stored_entities(con) -> dict[str, set]:
    out: dict[str, set] = {}
    sql = "SELECT post_id, type, value, normalized FROM post_entities"
    for pid, typ, value, norm in con.execute(sql).fetchall():
        out.setdefault(pid, set()).add((typ, value, norm))
    return out


def check_page_file(con, rows, path: Path, bad_lines: tuple[int, ...] = ()) -> tuple[int, int]:
    """Import one twarc2 JSONL file and check every post, snapshot, error and provenance."""
    report = import_paths(con, [path])
    assert [(s.file, s.line) for s in report.skipped] == [(str(path), n) for n in bad_lines]
    posts = stored_posts(con, rows)
    ents = stored_entities(con)
    all_posts: dict[str, tuple[int, str, list[dict]]] = {}
    snaps_expected: dict[tuple[str, datetime], dict] = {}
    errors_expected: set[str] = set()
    for n, _line, page in pages_of(path):
        p_model, u_model, errs = page_model(page)
        for pid, (ptr, exps) in p_model.items():
            if pid in all_posts:
                all_posts[pid][2].extend(exps)
            else:
                all_posts[pid] = (n, ptr, exps)
        retrieved = utc(page["__twarc"]["retrieved_at"])
        for uid, (_ptr, u) in u_model.items():
            snaps_expected.setdefault((uid, retrieved), u)
        errors_expected |= {json.dumps(e, sort_keys=True) for e in errs}

    assert set(posts) == set(all_posts)
    file_lines = path.read_bytes().split(b"\n")
    raw_cache: dict[str, tuple[bytes, object]] = {}
    for pid, (n, ptr, exps) in all_posts.items():
        row = posts[pid]
        for exp in exps:
            for col in POST_COLUMNS:
                assert row[col] == exp[col], (pid, col, row[col], exp[col])
            assert exp["_entities"] <= ents.get(pid, set()), pid
        assert ents.get(pid, set()) == set().union(*(e["_entities"] for e in exps)), pid
        # provenance: file, line, and the pointer finds this very tweet in the exact raw line
        prov = row["provenance"]
        assert prov["source"] == "x-v2"
        assert prov["file"] == str(path)
        assert prov["line"] == n
        assert prov["pointer"] == ptr
        assert prov["run_id"] == report.run_id
        if prov["raw_id"] not in raw_cache:
            raw = load_raw(con, prov["raw_id"])
            raw_cache[prov["raw_id"]] = (raw, json.loads(raw))
        raw, doc = raw_cache[prov["raw_id"]]
        assert raw == file_lines[n - 1]
        assert resolve(doc, ptr)["id"] == pid

    snaps = {(r["user_id"], r["observed_at"]): r for r in rows(con, "SELECT * FROM profile_snapshots")}
    active = {k: v for k, v in snaps.items() if v["status"] != "suspended"}
    assert set(active) == set(snaps_expected)
    for key, u in snaps_expected.items():
        s = active[key]
        pm = u.get("public_metrics") or {}
        assert s["handle"] == u["username"]
        assert s["display_name"] == u.get("name")
        assert s["description"] == u.get("description")
        assert s["location"] == u.get("location")
        assert s["created_at"] == utc(u.get("created_at"))
        assert s["followers"] == pm.get("followers_count")
        assert s["following"] == pm.get("following_count")
        assert s["posts_count"] == pm.get("tweet_count")
        assert s["verified"] == u.get("verified")
        assert (s["verified_type"], s["affiliation"], s["url"]) == expected_labels(u), key
        assert s["status"] == ("protected" if u.get("protected") else "active")
        assert s["source"] == "x-v2 (retrieved_at)"

    raws = con.execute("SELECT raw FROM api_errors").fetchall()
    stored_errors = {json.dumps(json.loads(r[0]), sort_keys=True) for r in raws}
    assert stored_errors == errors_expected
    assert con.execute("SELECT count(*) FROM api_errors").fetchone()[0] == len(errors_expected)
    assert report.posts_new == len(all_posts)
    return len(all_posts), len(snaps_expected)


# -- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "bad_lines"),
    [
        ("noflat.jsonl", ()),
        ("cashtags.jsonl", ()),
        ("media_tweet.jsonl", ()),
        ("mentions_tweet.jsonl", ()),
        ("edited.jsonl", ()),
        ("two_tweets.jsonl", ()),
        ("entities_test.jsonl", ()),
        ("users.jsonl", ()),
        ("streaming_output_with_error.jsonl", (8,)),  # single-tweet pages; line 8 is cut short
    ],
)
def test_page_file_maps_as_the_raw_json_says(con, rows, twarc_dir, name, bad_lines):
    n_posts, n_users = check_page_file(con, rows, twarc_dir / name, bad_lines)
    assert n_posts > 0
    assert n_users > 0


def test_noflat_counts_and_kinds(con, rows, twarc_dir):
    path = twarc_dir / "noflat.jsonl"
    page = json.loads(path.read_bytes())
    import_paths(con, [path])
    ids = {t["id"] for t in page["data"]} | {t["id"] for t in page["includes"]["tweets"]}
    assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == len(ids)
    # kinds per the precedence rule, counted straight from referenced_tweets
    want: dict[str, int] = {}
    seen = set()
    for t in page["data"] + page["includes"]["tweets"]:
        if t["id"] in seen:
            continue
        seen.add(t["id"])
        types = {r["type"] for r in t.get("referenced_tweets", [])}
        k = (
            "repost"
            if "retweeted" in types
            else "quote"
            if "quoted" in types
            else "reply"
            if "replied_to" in types
            else "original"
        )
        want[k] = want.get(k, 0) + 1
    got = dict(con.execute("SELECT kind, count(*) FROM posts GROUP BY kind").fetchall())
    assert got == want
    assert want.get("repost", 0) > 0


def test_reply_that_is_also_a_quote_keeps_both_ids(con, rows, twarc_dir):
    path = twarc_dir / "entities_test.jsonl"
    page = json.loads(path.read_bytes())
    both = [t for t in page["data"] if {r["type"] for r in t.get("referenced_tweets", [])} >= {"quoted", "replied_to"}]
    assert both, "the fixture holds posts that are both a reply and a quote"
    import_paths(con, [path])
    for t in both:
        refs = {r["type"]: r["id"] for r in t["referenced_tweets"]}
        (row,) = rows(con, "SELECT * FROM posts WHERE post_id = ?", t["id"])
        assert row["kind"] == "quote"
        assert row["quoted_post_id"] == refs["quoted"]
        assert row["replied_to_post_id"] == refs["replied_to"]
        assert row["replied_to_author_id"] == t["in_reply_to_user_id"]


def test_constructed_reply_quote_repost_page(con, rows, tmp_path):
    page = {
        "data": [
            {
                "id": "10",
                "author_id": "1",
                "text": "reply+quote",
                "created_at": "2022-01-02T03:04:05.000Z",
                "in_reply_to_user_id": "2",
                "referenced_tweets": [{"type": "replied_to", "id": "20"}, {"type": "quoted", "id": "30"}],
            },
            {
                "id": "11",
                "author_id": "1",
                "text": "RT @b: x",
                "created_at": "2022-01-02T03:04:06.000Z",
                "referenced_tweets": [{"type": "retweeted", "id": "30"}],
            },
            {"id": "12", "author_id": "1", "text": "plain", "created_at": "2022-01-02T03:04:07.000Z"},
        ],
        "includes": {
            "users": [{"id": "1", "username": "a", "name": "A"}, {"id": "3", "username": "c", "name": "C"}],
            "tweets": [{"id": "30", "author_id": "3", "text": "quoted", "created_at": "2022-01-01T00:00:00.000Z"}],
        },
        "__twarc": {"retrieved_at": "2022-02-01T00:00:00+00:00"},
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(page) + "\n")
    import_paths(con, [path])
    got = {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}
    assert set(got) == {"10", "11", "12", "30"}
    p10, p11 = got["10"], got["11"]
    assert (p10["kind"], p10["quoted_post_id"], p10["quoted_author_id"]) == ("quote", "30", "3")
    assert (p10["replied_to_post_id"], p10["replied_to_author_id"]) == ("20", "2")
    assert (p11["kind"], p11["reposted_post_id"], p11["reposted_author_id"]) == ("repost", "30", "3")
    assert got["12"]["kind"] == "original"
    assert got["30"]["author_handle"] == "c"
    assert got["10"]["author_handle"] == "a"


def test_cashtags_and_media_entities(con, twarc_dir):
    import_paths(con, [twarc_dir / "cashtags.jsonl", twarc_dir / "media_tweet.jsonl"])
    cash = json.loads((twarc_dir / "cashtags.jsonl").read_bytes())["data"][0]
    tags = {c["tag"] for c in cash["entities"]["cashtags"]}
    got = {
        r[0]
        for r in con.execute(
            "SELECT value FROM post_entities WHERE type = 'cashtag' AND post_id = ?", [cash["id"]]
        ).fetchall()
    }
    assert tags and got == tags
    med_page = json.loads((twarc_dir / "media_tweet.jsonl").read_bytes())
    tweet = med_page["data"][0]
    media = {m["media_key"]: m for m in med_page["includes"]["media"]}
    want = {
        (k, media[k].get("url") or media[k].get("preview_image_url") or media[k]["type"])
        for k in tweet["attachments"]["media_keys"]
    }
    sql = "SELECT value, normalized FROM post_entities WHERE type = 'media' AND post_id = ?"
    got = set(con.execute(sql, [tweet["id"]]).fetchall())
    assert want and got == want
    # the media link in entities.urls is recorded as media, not as a URL
    media_links = {u["url"] for u in tweet["entities"]["urls"] if "media_key" in u}
    urls = {
        r[0]
        for r in con.execute(
            "SELECT value FROM post_entities WHERE type = 'url' AND post_id = ?", [tweet["id"]]
        ).fetchall()
    }
    assert media_links and not (media_links & urls)


def test_suspended_error_entry_becomes_a_snapshot(con, rows, twarc_dir):
    path = twarc_dir / "noflat.jsonl"
    page = json.loads(path.read_bytes())
    susp = [e for e in page["errors"] if "suspended" in e["detail"]]
    assert susp
    import_paths(con, [path])
    got = rows(con, "SELECT * FROM profile_snapshots WHERE status = 'suspended'")
    assert {r["handle"] for r in got} == {e["value"] for e in susp}
    assert {r["user_id"] for r in got} == {"handle:" + e["value"].lower() for e in susp}
    assert {r["observed_at"] for r in got} == {utc(page["__twarc"]["retrieved_at"])}


def test_users_lookup_snapshots(con, rows, twarc_dir):
    path = twarc_dir / "users.jsonl"
    page = json.loads(path.read_bytes())
    import_paths(con, [path])
    retrieved = utc(page["__twarc"]["retrieved_at"])
    users = {u["id"]: u for u in page["data"]}
    got = {r["user_id"]: r for r in rows(con, "SELECT * FROM profile_snapshots")}
    assert set(got) == set(users)
    for uid, u in users.items():
        assert got[uid]["observed_at"] == retrieved
        assert got[uid]["followers"] == u["public_metrics"]["followers_count"]
        assert got[uid]["handle"] == u["username"]
    assert con.execute("SELECT count(*) FROM api_errors").fetchone()[0] == len(
        {json.dumps(e, sort_keys=True) for e in page["errors"]}
    )
    pinned = {t["id"] for t in page["includes"]["tweets"]}
    assert {r[0] for r in con.execute("SELECT post_id FROM posts").fetchall()} == pinned


def test_flat_jsonl(con, rows, twarc_dir):
    path = twarc_dir / "flat.jsonl"
    lines = path.read_bytes().split(b"\n")
    objs = [(n, json.loads(line)) for n, line in enumerate(lines, 1) if line.strip()]
    report = import_paths(con, [path])
    assert report.skipped == []
    want: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    authors: dict[tuple[str, datetime], dict] = {}
    for n, o in objs:
        retrieved = utc(o["__twarc"]["retrieved_at"])
        for t in [o] + [r for r in o.get("referenced_tweets", []) if "text" in r]:
            want.setdefault(t["id"], t)
            first_line.setdefault(t["id"], n)
            authors.setdefault((t["author"]["id"], retrieved), t["author"])
    got = {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}
    assert set(got) == set(want)
    for pid, t in want.items():
        r = got[pid]
        assert r["author_id"] == t["author_id"]
        assert r["author_handle"] == t["author"]["username"]
        assert r["created_at"] == utc(t["created_at"])
        assert r["text"] == t["text"]
        assert r["like_count"] == t["public_metrics"]["like_count"]
        assert r["provenance"]["line"] == first_line[pid]
        raw = load_raw(con, r["provenance"]["raw_id"])
        assert raw == lines[first_line[pid] - 1]
    snaps = {(r["user_id"], r["observed_at"]): r for r in rows(con, "SELECT * FROM profile_snapshots")}
    for key, a in authors.items():
        assert snaps[key]["handle"] == a["username"]
        assert snaps[key]["followers"] == a["public_metrics"]["followers_count"]


def test_tweepy_exchanges(con, rows, tweepy_dir):
    files = sorted(p for p in tweepy_dir.glob("*.json"))
    report = import_paths(con, files)
    assert report.skipped == []
    want_posts: dict[str, dict] = {}
    want_users: set[str] = set()
    for f in files:
        for i, ex in enumerate(json.loads(f.read_bytes())):
            body = ex["body"]
            data = body.get("data")
            data = [data] if isinstance(data, dict) else data or []
            for t in data + (body.get("includes") or {}).get("tweets", []):
                if "username" in t:
                    want_users.add(t["id"])
                else:
                    want_posts.setdefault(t["id"], (f, i, t))
            for u in (body.get("includes") or {}).get("users", []):
                want_users.add(u["id"])
    got = {r["post_id"]: r for r in rows(con, "SELECT * FROM posts")}
    assert set(got) == set(want_posts)
    for pid, (_f, i, t) in want_posts.items():
        assert got[pid]["text"] == t["text"]
        assert got[pid]["author_id"] == t.get("author_id")
        prov = got[pid]["provenance"]
        assert prov["pointer"].startswith(f"/{i}/body/")
        doc = json.loads(load_raw(con, prov["raw_id"]))
        assert resolve(doc, prov["pointer"])["id"] == pid
    users = {r[0] for r in con.execute("SELECT DISTINCT user_id FROM profile_snapshots").fetchall()}
    assert users == want_users
    # no retrieval time in these files: the source column says how the time was set
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM profile_snapshots").fetchall()}
    assert "x-v2 (retrieved_at)" not in sources
