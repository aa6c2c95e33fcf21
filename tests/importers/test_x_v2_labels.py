"""X's labels on profile snapshots (verified_type, affiliation, url), from data and includes.users,
checked against the raw JSON by test_x_v2_mapping's independent model."""

from __future__ import annotations

from test_x_v2_mapping import check_page_file

from diplotrack.importers.run import import_paths


def test_government_labels_and_profile_links_as_the_raw_json_says(con, rows, twarc_dir):
    """A built users lookup and timeline page (x-v2/built-users-labels.jsonl, written from the X API
    v2 user object's documented fields): labels from data and from includes.users, stored as X words
    them, NULL where the user object says nothing."""
    path = twarc_dir.parent / "built-users-labels.jsonl"
    check_page_file(con, rows, path)
    got = {
        (r["handle"], r["observed_at"].hour): (r["verified_type"], r["affiliation"], r["url"])
        for r in rows(con, "SELECT * FROM profile_snapshots")
    }
    gov = ("government", "Example Ministry of Foreign Affairs (fixture) (https://twitter.com/ExampleMFAFx)")
    assert got[("ExampleEmbassyFx", 9)] == (*gov, "https://t.me/example_embassy_fixture")
    assert got[("ExampleEmbassyFx", 12)] == got[("ExampleEmbassyFx", 9)]  # from includes.users
    assert got[("ExampleNewsFx", 9)] == ("business", "Example Media Group (fixture)", None)  # url "": none
    assert got[("ExampleFanFx", 9)] == ("blue", None, "https://t.co/Fx3NoEnt")  # not expanded: as given
    assert got[("ExampleReaderFx", 9)] == ("none", None, None)  # X's own "none" is kept
    assert got[("ExampleOldFx", 9)] == (None, None, None)  # an older archive says nothing
    # re-importing the same file adds nothing and changes nothing
    before = rows(con, "SELECT * EXCLUDE (provenance) FROM profile_snapshots ORDER BY ALL")
    again = import_paths(con, [path])
    assert again.profiles == 0
    assert rows(con, "SELECT * EXCLUDE (provenance) FROM profile_snapshots ORDER BY ALL") == before
