"""Loading rosters: both forms give the same model; unreadable files raise RosterError."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplotrack.errors import RosterError
from diplotrack.roster import RosterProblem, bundled_roster_path, load_roster, validate_file

FIXTURES = Path(__file__).parent / "fixtures"


def test_yaml_and_csv_forms_load_to_the_same_actors() -> None:
    from_yaml, yaml_problems = load_roster(FIXTURES / "good.yaml")
    from_csv, csv_problems = load_roster(FIXTURES / "good.csv")
    assert yaml_problems == [] and csv_problems == []
    assert from_yaml is not None and from_csv is not None
    assert from_yaml.actors == from_csv.actors
    ids = [a.actor_id for a in from_yaml.actors]
    assert ids == ["cn-emb-fr", "cn-amb-un-geneva.chen-xu", "cn-media-cgtn"]
    assert [(account.platform, account.handle) for _, account in from_yaml.accounts()] == [
        ("x", "AmbassadeChine"),
        ("x", "Amb_ChenXu"),
        ("x", "CGTNOfficial"),
        ("mastodon", "cgtn@mastodon.social"),
    ]


def test_yaml_top_level_fields_and_sources() -> None:
    roster, _ = load_roster(FIXTURES / "good.yaml")
    assert roster is not None
    assert roster.name == "fixture roster"
    assert roster.description and roster.description.startswith("A few")
    assert roster.sources["chc2022"].note == "snapshot ~mid-2022"
    assert len(roster.snapshots) == 3


def test_actor_fields_are_parsed() -> None:
    roster, _ = load_roster(FIXTURES / "good.yaml")
    assert roster is not None
    embassy, ambassador, media = roster.actors
    assert embassy.languages == ["fr", "zh"] and embassy.tags == ["europe"]
    assert embassy.accounts[0].user_id == "1155380386421313536"
    assert (ambassador.tenure_start, ambassador.tenure_end) == ("2019-12", "2022")
    assert ambassador.organisation == "UN" and ambassador.person == "CHEN Xu"
    assert media.host_country is None


def test_institutional_is_derived_from_kind_unless_overridden() -> None:
    roster, _ = load_roster(FIXTURES / "good.yaml")
    assert roster is not None
    by_id = {a.actor_id: a for a in roster.actors}
    assert by_id["cn-emb-fr"].institutional is True  # embassy: derived
    assert by_id["cn-amb-un-geneva.chen-xu"].institutional is False  # ambassador: derived
    assert by_id["cn-media-cgtn"].institutional is False  # state_media, overridden to false


def test_institutional_override_to_true(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "actor_id,name,kind,state,host_country,host_city,platform,handle,institutional\n"
        "cn-spox,MFA spokesperson,spokesperson,CN,,,x,SpokespersonCHN,TRUE\n"
        "cn-spox-2,Another spokesperson,spokesperson,CN,,,x,zlj517,\n",
        encoding="utf-8",
    )
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    assert [a.institutional for a in roster.actors] == [True, False]


def test_yaml_scalars_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        "roster: 1\nname: t\nactors:\n"
        "  - {actor_id: no-emb, name: Embassy, kind: embassy, state: CN, host_country: NO,\n"
        "     tenure_start: 2019-05-01, accounts: [{platform: x, handle: a_b, user_id: 0123}]}\n",
        encoding="utf-8",
    )
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    actor = roster.actors[0]
    assert actor.host_country == "NO"  # Norway, not YAML 1.1's false
    assert actor.tenure_start == "2019-05-01"
    assert actor.accounts[0].user_id == "0123"


@pytest.mark.parametrize("name", ["good.yaml", "good.csv"])
def test_utf8_bom_is_accepted(tmp_path: Path, name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + data)
    if name.endswith(".yaml"):
        (tmp_path / "snapshots").mkdir()
        (tmp_path / "snapshots" / "good-2022.csv").write_bytes(
            b"\xef\xbb\xbf" + (FIXTURES / "snapshots" / "good-2022.csv").read_bytes()
        )
    roster, problems = load_roster(path)
    assert problems == []
    assert roster is not None and len(roster.actors) == 3


def test_problem_str_is_file_line_field_message() -> None:
    problem = RosterProblem("r.yaml", 7, "state", "'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)")
    assert str(problem) == "r.yaml:7: state: 'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)"


def test_validate_file_returns_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "actor_id,name,kind,state,host_country,host_city,platform,handle\n"
        "cn-emb-uk,Embassy,embassy,CN,UK,London,x,ChineseEmbinUK\n",
        encoding="utf-8",
    )
    assert [str(p) for p in validate_file(path)] == [
        f"{path}:2: host_country: 'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)"
    ]
    assert validate_file(FIXTURES / "good.csv") == []


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("r.txt", b"roster: 1\n", "must end in .yaml, .yml"),
        ("r.yaml", b"roster: 1\nname: [unclosed\n", "r.yaml:3: yaml: not valid YAML"),
        ("r.yaml", b"", "is empty"),
        ("r.yaml", b"- just\n- a list\n", "top level must be a mapping"),
        ("r.yaml", b"roster: 1\n---\nroster: 1\n", "not valid YAML"),
        ("r.csv", b"", "has no header row"),
        ("r.csv", b"actor_id,name\n\xff\xfe\n", "is not UTF-8 text"),
        (
            "r.csv",
            b"actor_id,name,kind,state,host_country,host_city,platform,handle\n" + b"x" * 200_000,
            "not a readable CSV",
        ),
    ],
)
def test_unreadable_files_raise_roster_error(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RosterError, match=fragment.replace(".", r"\.").replace("[", r"\[")):
        load_roster(path)


def test_missing_file_and_folder_raise_roster_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="there is no roster file"):
        load_roster(tmp_path / "absent.yaml")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(RosterError, match="is a folder"):
        load_roster(folder)


def test_bundled_roster_path() -> None:
    path = bundled_roster_path()
    assert path.name == "china.yaml"
    assert path.parent.name == "bundled" and path.parent.parent.name == "roster"


def _mastodon_roster(tmp_path, handles: list[str]):  # type: ignore[no-untyped-def]
    import yaml

    doc = {
        "roster": 1,
        "name": "t",
        "actors": [
            {
                "actor_id": f"a{i}",
                "name": "CGTN",
                "kind": "state_media",
                "state": "CN",
                "accounts": [{"platform": "mastodon", "handle": h}],
            }
            for i, h in enumerate(handles)
        ],
    }
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_roster(path)


def test_mastodon_accounts_may_be_given_as_address_or_profile_url(tmp_path) -> None:
    roster, problems = _mastodon_roster(
        tmp_path, ["a@Mastodon.Social", "@b@mastodon.social", "https://mastodon.social/@c"]
    )
    assert problems == [] and roster is not None
    assert [a.handle for _, a in roster.accounts()] == ["a@mastodon.social", "b@mastodon.social", "c@mastodon.social"]
    _, problems = _mastodon_roster(tmp_path, ["d"])
    assert [p.message for p in problems] == [
        "'d' is not a Mastodon handle; write it as user@instance (e.g. alice@mastodon.social)"
    ]
