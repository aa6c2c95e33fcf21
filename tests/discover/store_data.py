"""A small store for the discovery tests, built by hand (synthetic rows, shaped as the importers and
the roster import write them): four roster actors on X (one with two accounts) and one on Bluesky,
and around them the accounts discovery must find, or must not.

- ChinaEmbKenya: followed by three roster actors (strong graph signal); its handle says embassy, Kenya.
- ChinaEmbAddis: followed by one; its handle says embassy, but names no country.
- LoudFan: mentioned 40 times and followed, but by ONE actor (its two accounts): weak.
- chinaembesp (mentioned): the roster's ChinaEmbEsp in another case, and user id 101 (followed):
  roster accounts, never candidates.
- PRCEmbassyKenya: no edges; its profile names the embassy in Kenya and X labels it government.
- zhongguo_fr, posolstvo_kz: Chinese and Russian profiles of embassies (hosts FR and KZ).
- evil_name: a display name that a spreadsheet would run as a formula (it names a Chinese embassy, so its
  state is evidenced and it reaches the CSV); two actors mention it.
- Bluesky: one account verified by a roster account, one by someone else.
- Telegram ChinaEmbEsp_TG: in ChinaEmbEsp's profile link (its own channel); YouTube ChinaEmbCanada:
  linked in two posts of ChinaEmbOttawa.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

NOW = datetime(2026, 12, 6, 12, 0)
T0 = datetime(2026, 11, 1)

ROSTER = (  # actor_id, kind, host, platform, handle, user_id
    ("cn-emb-es", "embassy", "ES", "x", "ChinaEmbEsp", "100"),
    ("cn-emb-ca", "embassy", "CA", "x", "ChinaEmbOttawa", "101"),
    ("cn-cg-jp-nagoya", "consulate", "JP", "x", "ChnConsulateNgo", "102"),
    ("cn-mfa", "ministry", "CN", "x", "MFA_China", "103"),
    ("cn-mfa", "ministry", "CN", "x", "MFA_China_zh", "104"),
    ("cn-emb-es", "embassy", "ES", "bluesky", "chinaembesp.bsky.social", "did:plc:roster1"),
)


def _post(con: duckdb.DuckDBPyConnection, post_id: str, author: str, handle: str, **refs: str) -> None:
    con.execute(
        """INSERT INTO posts (platform, post_id, author_id, author_handle, created_at, text, kind,
                              reposted_author_id, first_seen_at)
           VALUES ('x', ?, ?, ?, ?, 'text', ?, ?, ?)""",
        [post_id, author, handle, T0, "repost" if "reposted" in refs else "original", refs.get("reposted"), NOW],
    )


def _entity(con: duckdb.DuckDBPyConnection, post_id: str, type_: str, value: str) -> None:
    normalized = value.lower() if type_ == "mention" else value
    con.execute("INSERT INTO post_entities VALUES ('x', ?, ?, ?, ?)", [post_id, type_, value, normalized])


def _snapshot(con: duckdb.DuckDBPyConnection, platform: str, user_id: str, handle: str, **cols: str | None) -> None:
    con.execute(
        """INSERT INTO profile_snapshots (platform, user_id, observed_at, handle, display_name, description,
                                          location, url, verified_type, affiliation, status, source)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 'test')""",
        [
            platform,
            user_id,
            T0,
            handle,
            *(cols.get(c) for c in ("display_name", "description", "location", "url", "verified_type", "affiliation")),
        ],
    )


def fill(con: duckdb.DuckDBPyConnection) -> None:
    for actor, kind, host, platform, handle, user_id in ROSTER:
        con.execute(
            """INSERT INTO actors (actor_id, name, kind, institutional, state, host_country, updated_at)
               VALUES (?, ?, ?, true, 'CN', ?, ?) ON CONFLICT DO NOTHING""",
            [actor, f"Actor {actor}", kind, host, NOW],
        )
        con.execute(
            "INSERT INTO accounts (platform, handle, user_id, user_key, actor_id, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 'roster', ?)",
            [platform, handle, user_id, user_id, actor, NOW],
        )
    follows = [("100", "200", "ChinaEmbKenya"), ("101", "200", "ChinaEmbKenya"), ("102", "200", "ChinaEmbKenya")]
    follows += [("104", "201", "LoudFan"), ("103", "101", None), ("102", "999", None), ("100", "202", "ChinaEmbAddis")]
    for follower, followed, handle in follows:
        con.execute(
            "INSERT INTO follow_edges (platform, follower_id, followed_id, followed_handle, observed_at) "
            "VALUES ('x', ?, ?, ?, ?)",
            [follower, followed, handle, T0],
        )
    for i in range(40):
        _post(con, f"m{i}", "103", "MFA_China")
        _entity(con, f"m{i}", "mention", "LoudFan")
    _post(con, "e1", "100", "ChinaEmbEsp")
    _entity(con, "e1", "mention", "evil_name")
    _entity(con, "e1", "mention", "chinaembesp")
    _post(con, "e2", "102", "ChnConsulateNgo")
    _entity(con, "e2", "mention", "evil_name")
    _post(con, "y1", "101", "ChinaEmbOttawa")
    _entity(con, "y1", "url", "https://www.youtube.com/@ChinaEmbCanada")
    _post(con, "y2", "101", "ChinaEmbOttawa")
    _entity(con, "y2", "url", "https://www.youtube.com/@ChinaEmbCanada")
    _snapshot(con, "x", "100", "ChinaEmbEsp", url="https://t.me/ChinaEmbEsp_TG")
    _snapshot(
        con,
        "x",
        "300",
        "PRCEmbassyKenya",
        display_name="Embassy of the People's Republic of China in the Republic of Kenya",
        verified_type="government",
    )
    _snapshot(con, "x", "301", "zhongguo_fr", display_name="中华人民共和国驻法兰西共和国大使馆")
    _snapshot(con, "x", "302", "posolstvo_kz", description="Посольство КНР в Казахстане. Новости и события.")
    _snapshot(con, "x", "303", "evil_name", display_name='=HYPERLINK("http://example.invalid","Chinese Embassy")')
    _snapshot(con, "x", "304", "CookingFan", display_name="I love dumplings", description="food blog")
    _snapshot(
        con,
        "bluesky",
        "did:plc:verified1",
        "kenya.embassy.example",
        display_name="Kenya mission",
        verified_type="valid",
        affiliation="did:plc:roster1",
    )
    _snapshot(
        con,
        "bluesky",
        "did:plc:other1",
        "someone.bsky.social",
        display_name="Someone",
        verified_type="valid",
        affiliation="did:plc:bskyverifier",
    )
