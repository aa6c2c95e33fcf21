"""Every platform of the registry is first-class in both roster forms: one actor can hold an account
on each, every platform's handle rule (its spec's) runs, one account written in two forms is caught
as listed twice, and docs/roster-format.md lists every platform with its handle forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diplotrack import platforms
from diplotrack.roster import checks, load_roster

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "roster-format.md"
STORED = {  # the built roster's spokesperson: each account as the store keeps it
    "x": "ExampleSpox",
    "bluesky": "example-spox.bsky.social",
    "mastodon": "example_spox@mastodon.social",
    "telegram": "example_spox",
    "youtube": "ExampleSpox",
    "mfa": "Example Speaker",
}


def problems_of(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    roster, problems = load_roster(path)
    assert (roster is None) == bool(problems)
    return [str(p).removeprefix(f"{path}:") for p in problems]


@pytest.mark.parametrize("name", ["built-every-platform.yaml", "built-every-platform.csv"])
def test_one_actor_holds_an_account_on_every_platform(name: str) -> None:
    roster, problems = load_roster(FIXTURES / name)
    assert problems == [] and roster is not None
    spox = roster.actors[0]
    assert {a.platform: a.handle for a in spox.accounts} == STORED
    assert set(STORED) == set(platforms.PLATFORMS)  # the fixture keeps up with the registry
    emb = {a.platform: a.handle for a in roster.actors[1].accounts}
    assert emb == {"x": "ExampleEmbFr", "telegram": "example_emb_fr", "youtube": "UCk195x4zYdMx4LhqEwhcPng"}


def test_the_two_forms_give_the_same_actors_and_the_snapshots_find_their_accounts() -> None:
    from_yaml, _ = load_roster(FIXTURES / "built-every-platform.yaml")
    from_csv, _ = load_roster(FIXTURES / "built-every-platform.csv")
    assert from_yaml is not None and from_csv is not None
    assert from_yaml.actors == from_csv.actors
    # a snapshot row may write the account in any accepted form (here the t.me link)
    assert [(s.platform, s.handle) for s in from_yaml.snapshots] == [("x", "ExampleSpox"), ("telegram", "example_spox")]


@pytest.mark.parametrize(
    ("platform", "forms", "stored"),
    [
        ("telegram", ["example_spox", "@example_spox", "https://t.me/example_spox", "t.me/s/example_spox",
                      "https://telegram.me/example_spox"], "example_spox"),
        ("youtube", ["ExampleSpox", "@ExampleSpox", "https://www.youtube.com/@ExampleSpox"], "ExampleSpox"),
        ("youtube", ["UCk195x4zYdMx4LhqEwhcPng", "https://www.youtube.com/channel/UCk195x4zYdMx4LhqEwhcPng"],
         "UCk195x4zYdMx4LhqEwhcPng"),
        ("mastodon", ["example_spox@mastodon.social", "@example_spox@mastodon.social",
                      "https://mastodon.social/@example_spox"], "example_spox@mastodon.social"),
        ("mfa", ["华春莹"], "华春莹"),
        ("mfa", ["Hua Chunying"], "Hua Chunying"),
    ],
)  # fmt: skip
def test_every_form_of_a_handle_is_stored_in_one_form(platform: str, forms: list[str], stored: str) -> None:
    for form in forms:
        assert checks.stored_handle(platform, form) == stored, form
    assert checks.check_handle(platform, stored) is None


@pytest.mark.parametrize(
    ("platform", "handle", "message"),
    [
        ("telegram", "abc", "'abc' is not a Telegram channel username"),
        ("telegram", "1example", "'1example' is not a Telegram channel username"),
        ("youtube", "https://www.youtube.com/c/Example", "is a legacy /c/ or /user/ address"),
        ("x", "Amb Cina", "'Amb Cina' contains a space; a handle has none"),
        ("mfa", "Hua\x07Chunying", "contains a line break, a tab or a control character"),
        ("mfa", "@华春莹", "write the handle without @ ('华春莹')"),
    ],
)
def test_each_platform_s_rule_refuses_what_it_does_not_accept(platform: str, handle: str, message: str) -> None:
    got = checks.check_handle(platform, checks.stored_handle(platform, handle))
    assert got is not None and message in got, got


YAML_TWICE = """\
roster: 1
name: twice
actors:
  - actor_id: cn-emb-fr
    name: Embassy
    kind: embassy
    state: CN
    host_country: FR
    accounts:
      - platform: telegram
        handle: "@example_emb_fr"
      - platform: telegram
        handle: https://t.me/Example_Emb_Fr
"""


def test_one_account_written_in_two_forms_is_listed_twice_yaml(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "r.yaml", YAML_TWICE) == [
        "13: handle: telegram account 'Example_Emb_Fr' (written 'https://t.me/Example_Emb_Fr') is listed twice "
        "(first as '@example_emb_fr' on line 11; both forms name the same account, and handles ignore case)"
    ]


def test_one_account_written_in_two_forms_is_listed_twice_csv(tmp_path: Path) -> None:
    head = "actor_id,name,kind,state,host_country,host_city,platform,handle\n"
    rows = [
        "cn-emb-fr,Embassy,embassy,CN,FR,,youtube,https://www.youtube.com/@ExampleEmb",
        "cn-emb-fr,Embassy,embassy,CN,FR,,youtube,@exampleemb",
        "cn-emb-fr,Embassy,embassy,CN,FR,,x,ExampleEmb",
    ]
    assert problems_of(tmp_path, "r.csv", head + "\n".join(rows) + "\n") == [
        "3: handle: youtube account 'exampleemb' (written '@exampleemb') is listed twice (first as "
        "'https://www.youtube.com/@ExampleEmb' on line 2; both forms name the same account, and handles ignore case)"
    ]


def test_the_format_docs_list_every_platform_with_its_handle_forms() -> None:
    text = DOCS.read_text(encoding="utf-8").split("\n## Platforms and handle forms\n", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z]+)` \|.*$", text, re.M)}
    for spec in platforms.SPECS:
        assert spec.name in rows, f"docs/roster-format.md has no row for {spec.name}"
        assert spec.label in rows[spec.name] and spec.handle_form in rows[spec.name], rows[spec.name]
    assert set(rows) == set(platforms.PLATFORMS), set(rows) ^ set(platforms.PLATFORMS)


@pytest.mark.parametrize(
    ("platform", "written", "says"),
    [
        ("youtube", "https://www.youtube.com/c/CGTN", "is a legacy /c/ or /user/ address"),
        ("youtube", "https://www.youtube.com/user/CGTN", "is a legacy /c/ or /user/ address"),
        ("telegram", "https://t.me/+AbCdEf123", "is a private invite link"),
        ("telegram", "https://t.me/joinchat/AbCdEf", "is a private invite link"),
    ],
)
def test_addresses_no_collector_can_read_say_why(platform: str, written: str, says: str) -> None:
    from diplotrack.roster import checks

    message = checks.check_handle(platform, checks.stored_handle(platform, written))
    assert message is not None and says in message
