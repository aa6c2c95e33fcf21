"""A small valid roster for constructed test stores."""

from __future__ import annotations


def write_roster(tmp_path, actors, snapshots_file: str | None = None):  # type: ignore[no-untyped-def]
    """A valid roster from ``(actor_id, kind, handle, user_id, host_country)`` tuples (state CN, one
    X account each), written to ``tmp_path/roster.yaml`` and loaded; ``snapshots_file`` names a
    snapshot CSV beside it."""
    import yaml

    from diplotrack.roster import load_roster

    doc: dict = {"roster": 1, "name": "test"}
    if snapshots_file:
        doc["snapshots"] = [{"file": snapshots_file}]
    doc["actors"] = [
        {
            "actor_id": actor_id,
            "name": actor_id,
            "kind": kind,
            "state": "CN",
            "host_country": host,
            "accounts": [{"platform": "x", "handle": handle, **({"user_id": user_id} if user_id else {})}],
        }
        for actor_id, kind, handle, user_id, host in actors
    ]
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    roster, problems = load_roster(path)
    assert not problems, problems
    return roster
