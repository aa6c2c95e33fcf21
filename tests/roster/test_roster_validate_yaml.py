"""Validation of the YAML form: every problem, each at the line of the offending key or value."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplotrack.roster import load_roster

# Line numbers:  1 roster, 2 name, 3 actors, 4 actor_id, 5 name, 6 kind, 7 state, 8 host_country,
#                9 accounts, 10 platform, 11 handle
BASE = """\
roster: 1
name: test roster
actors:
  - actor_id: cn-emb-it
    name: Embassy of the P.R.C. in Italy
    kind: embassy
    state: CN
    host_country: IT
    accounts:
      - platform: x
        handle: AmbCina
"""

SECOND_ACTOR = """\
  - actor_id: cn-emb-fr
    name: Embassy of the P.R.C. in France
    kind: embassy
    state: CN
    host_country: FR
    accounts:
      - platform: x
        handle: AmbassadeChine
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    roster, problems = load_roster(path)
    assert (roster is None) == bool(problems)
    return [str(p).removeprefix(f"{path}:") for p in problems]


def test_base_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, BASE) == []
    assert problems_of(tmp_path, BASE + SECOND_ACTOR) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    name: Embassy of the P.R.C. in Italy\n", "", "4: name: is required"),
        ("name: Embassy of the P.R.C. in Italy", 'name: ""', "5: name: is required"),
        ("name: Embassy of the P.R.C. in Italy", "name: [a, b]", "5: name: must be text, not a list"),
        (
            "kind: embassy",
            "kind: embasy",
            "6: kind: 'embasy' is not a kind (did you mean embassy?); use one of embassy, consulate, mission, "
            "ambassador, consul_general, diplomat, spokesperson, ministry, state_media, state_media_journalist, "
            "other",
        ),
        ("state: CN", "state: UK", "7: state: 'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)"),
        (
            "state: CN",
            "state: cn",
            "7: state: 'cn' is not an ISO 3166-1 alpha-2 code (write it in upper case: CN)",
        ),
        ("state: CN", "state: CHN", "7: state: 'CHN' is not an ISO 3166-1 alpha-2 code (did you mean CN?)"),
        ("state: CN", "state: XX", "7: state: 'XX' is not an ISO 3166-1 alpha-2 code"),
        ("    state: CN\n", "", "4: state: is required"),
        ("    host_country: IT\n", "", "4: host_country: is required for kind embassy"),
        ("host_country: IT", "host_country:", "8: host_country: is required for kind embassy"),
        (
            "host_country: IT",
            "host_country: Italy",
            "8: host_country: 'Italy' is not an ISO 3166-1 alpha-2 code",
        ),
        (
            "actor_id: cn-emb-it",
            "actor_id: CN_Emb",
            "4: actor_id: 'CN_Emb' is not a valid actor id (use lower-case letters, digits, '_', '.' and '-', "
            "starting with a letter or digit)",
        ),
        ("actor_id: cn-emb-it", "actor_id: -cn", "4: actor_id: '-cn' is not a valid actor id"),
        (
            "platform: x",
            "platform: twitter",
            "10: platform: 'twitter' is not a platform; use one of x, bluesky, mastodon, youtube, telegram, mfa",
        ),
        ("platform: x", "platform: X", "10: platform: 'X' is not a platform (did you mean x?)"),
        ("handle: AmbCina", "handle: '@AmbCina'", "11: handle: write the handle without @ ('AmbCina')"),
        ("handle: AmbCina", "handle: Amb Cina", "11: handle: 'Amb Cina' contains a space; a handle has none"),
        ("handle: AmbCina", "handle: ''", "11: handle: is required"),
        (
            "platform: x",
            "platform: mastodon",
            "11: handle: 'AmbCina' is not a Mastodon handle; write it as user@instance (e.g. alice@mastodon.social)",
        ),
        (
            "      - platform: x\n",
            "      - platform: x\n        handle_: a\n",
            "11: handle_: unknown account key (did you mean handle?); known keys: platform, handle, user_id, "
            "source, notes",
        ),
        (
            "    host_country: IT\n",
            "    host_country: IT\n    hostcity: Rome\n",
            "9: hostcity: unknown actor key (did you mean host_city?)",
        ),
        (
            "name: test roster\n",
            "name: test roster\ndescripton: x\n",
            "3: descripton: unknown top-level key (did you mean description?)",
        ),
        (
            "    state: CN\n",
            "    state: CN\n    state: FR\n",
            "8: state: appears twice in this actor (first on line 7)",
        ),
        (
            "    host_country: IT\n",
            "    host_country: IT\n    institutional: maybe\n",
            "9: institutional: must be true or false, not 'maybe'",
        ),
        (
            "    host_country: IT\n",
            "    host_country: IT\n    institutional: yes\n",
            "9: institutional: must be true or false, not 'yes'",
        ),
        (
            "roster: 1",
            "roster: 2",
            "1: roster: format version '2' is not supported; this diplotrack reads version 1",
        ),
        ("roster: 1\n", "", "1: roster: is required"),
        ("name: test roster", "name:", "2: name: is required"),
        (
            "    accounts:\n",
            "    accounts:\n      - just a string\n",
            "10: accounts: each entry must be a mapping",
        ),
        (
            "    accounts:\n      - platform: x\n        handle: AmbCina\n",
            "    accounts: AmbCina\n",
            "9: accounts: must be a list",
        ),
    ],
)
def test_each_problem_at_its_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in BASE
    problems = problems_of(tmp_path, BASE.replace(old, new, 1))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2019-13", None, ["9: tenure_start: '2019-13' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"]),
        ("2019-02-30", None, ["9: tenure_start: '2019-02-30' is not a date"]),
        ("May 2019", None, ["9: tenure_start: 'May 2019' is not a date"]),
        ("2020", "2019-05", ["10: tenure_end: '2019-05' is before tenure_start '2020'"]),
        ("2019-05-02", "2019-05-01", ["10: tenure_end: '2019-05-01' is before tenure_start '2019-05-02'"]),
        ("2019-05", "2019", []),
        ("2019", "2019-05-31", []),
        ("2019-05-01", None, []),
    ],
)
def test_tenure_dates(tmp_path: Path, start: str, end: str | None, expected: list[str]) -> None:
    extra = f"    tenure_start: {start}\n" + (f"    tenure_end: {end}\n" if end else "")
    text = BASE.replace("    accounts:\n", extra + "    accounts:\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == len(expected)
    for problem, prefix in zip(problems, expected, strict=True):
        assert problem.startswith(prefix)


def test_languages_are_checked_item_by_item(tmp_path: Path) -> None:
    text = BASE.replace(
        "    accounts:\n", "    languages:\n      - it\n      - EN\n      - zz\n      - zho\n    accounts:\n"
    )
    assert problems_of(tmp_path, text) == [
        "11: languages: 'EN' is not an ISO 639-1 language code (write it in lower case: en)",
        "12: languages: 'zz' is not an ISO 639-1 language code",
        "13: languages: 'zho' is not an ISO 639-1 language code (did you mean zh?)",
    ]


def test_languages_must_be_a_list(tmp_path: Path) -> None:
    text = BASE.replace("    accounts:\n", "    languages: it\n    accounts:\n")
    assert problems_of(tmp_path, text) == ["9: languages: must be a list (e.g. [en, zh]), not a text"]


def test_duplicate_actor_id(tmp_path: Path) -> None:
    text = BASE + SECOND_ACTOR.replace("actor_id: cn-emb-fr", "actor_id: cn-emb-it")
    assert problems_of(tmp_path, text) == ["12: actor_id: 'cn-emb-it' is used twice (first on line 4)"]


def test_duplicate_handle_across_actors_ignores_case(tmp_path: Path) -> None:
    text = BASE + SECOND_ACTOR.replace("handle: AmbassadeChine", "handle: ambcina")
    assert problems_of(tmp_path, text) == [
        "19: handle: x account 'ambcina' is listed twice (first as 'AmbCina' on line 11; handles ignore case)"
    ]


def test_duplicate_user_id_on_one_platform(tmp_path: Path) -> None:
    text = BASE.replace("handle: AmbCina", "handle: AmbCina\n        user_id: 42") + SECOND_ACTOR.replace(
        "handle: AmbassadeChine", "handle: AmbassadeChine\n        user_id: '42'"
    )
    assert problems_of(tmp_path, text) == [
        "21: user_id: x user id 42 is also given for 'AmbCina' (line 11); one account, one user id"
    ]


def test_same_handle_on_two_platforms_is_fine(tmp_path: Path) -> None:
    text = BASE + "      - platform: bluesky\n        handle: ambcina\n"
    assert problems_of(tmp_path, text) == []


def test_every_problem_is_reported_sorted_by_line(tmp_path: Path) -> None:
    text = BASE.replace("state: CN", "state: UK").replace(
        "handle: AmbCina", "handle: '@AmbCina'"
    ) + SECOND_ACTOR.replace("kind: embassy", "kind: embasy").replace("    host_country: FR\n", "")
    problems = problems_of(tmp_path, text)
    assert [p.split(":")[0:2] for p in problems] == [
        ["7", " state"],
        ["11", " handle"],
        ["14", " kind"],
    ]


def test_sources_are_checked(tmp_path: Path) -> None:
    sources = "sources:\n  chc:\n    title: README\n    link: https://x\n  bad: text\n"
    text = BASE.replace("actors:\n", sources + "actors:\n")
    assert problems_of(tmp_path, text) == [
        "6: link: unknown source key; known keys: title, url, note",
        "7: sources.bad: must be a mapping with title, url, note",
    ]


def test_actors_is_required(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "roster: 1\nname: empty\n") == ["1: actors: is required (a list of actors)"]


def test_an_actor_without_accounts_is_allowed(tmp_path: Path) -> None:
    text = BASE.replace("    accounts:\n      - platform: x\n        handle: AmbCina\n", "")
    assert problems_of(tmp_path, text) == []
