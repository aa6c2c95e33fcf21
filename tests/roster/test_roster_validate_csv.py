"""Validation of the CSV form: header problems on line 1, row problems on the row's physical line."""

from __future__ import annotations

from pathlib import Path

from diplotrack.roster import load_roster

HEADER = "actor_id,name,kind,state,host_country,host_city,platform,handle"
ROW_IT = "cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,AmbCina"
ROW_FR = "cn-emb-fr,Embassy of the P.R.C. in France,embassy,CN,FR,Paris,x,AmbassadeChine"


def problems_of(tmp_path: Path, *lines: str) -> list[str]:
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster, problems = load_roster(path)
    assert (roster is None) == bool(problems)
    return [str(p).removeprefix(f"{path}:") for p in problems]


def test_minimal_csv_is_valid(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER, ROW_IT, ROW_FR) == []


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(f"{HEADER}\r\n{ROW_IT}\r\n{ROW_FR.replace(',FR,', ',UK,')}\r\n".encode())
    _, problems = load_roster(path)
    assert [(p.line, p.field) for p in problems] == [(3, "host_country")]


def test_unknown_duplicate_and_missing_columns(tmp_path: Path) -> None:
    header = "actor_id,name,kind,state,host_country,host_city,platform,handel,tags,tags"
    assert problems_of(tmp_path, header, ROW_IT + ",a,b") == [
        "1: handel: unknown column (did you mean handle?); known columns: actor_id, name, kind, state, "
        "host_country, host_city, platform, handle, user_id, organisation, person, tenure_start, tenure_end, "
        "languages, tags, source, notes, institutional",
        "1: tags: column appears twice in the header",
        "1: handle: required column is missing from the header",
    ]


def test_row_problems_use_the_row_line(tmp_path: Path) -> None:
    assert problems_of(
        tmp_path,
        HEADER,
        ROW_IT,
        "",  # blank lines are skipped but still counted
        "cn-emb-uk,Embassy of the P.R.C. in the UK,embassy,CN,UK,London,x,@ChineseEmbinUK",
        "cn-amb-x,Someone,ambassador,CN,,,telegram,some one",
    ) == [
        "4: host_country: 'UK' is not an ISO 3166-1 alpha-2 code (did you mean GB?)",
        "4: handle: write the handle without @ ('ChineseEmbinUK')",
        "5: host_country: is required for kind ambassador",
        "5: handle: 'some one' contains a space; a handle has none",
    ]


def test_multi_line_quoted_field_shifts_later_lines(tmp_path: Path) -> None:
    header = HEADER + ",notes,languages"
    assert problems_of(
        tmp_path,
        header,
        'cn-emb-it,Embassy of the P.R.C. in Italy,embassy,CN,IT,Rome,x,AmbCina,"first line',
        "second line",
        'third line",it;EN',  # the languages cell is on the third physical line of the row
        "cn-emb-fr,Embassy of the P.R.C. in France,embasy,CN,FR,Paris,x,AmbassadeChine,,fr",
        '"cn-emb-de","Embassy of the P.R.C. in Germany',
        '(Berlin)",embassy,cn,DE,Berlin,x,ChinaEmbGermany,,de',
    ) == [
        "4: languages: 'EN' is not an ISO 639-1 language code (write it in lower case: en)",
        "5: kind: 'embasy' is not a kind (did you mean embassy?); use one of embassy, consulate, mission, "
        "ambassador, consul_general, diplomat, spokesperson, ministry, state_media, "
        "state_media_journalist, other",
        "7: state: 'cn' is not an ISO 3166-1 alpha-2 code (write it in upper case: CN)",
    ]


def test_rows_of_one_actor_must_agree(tmp_path: Path) -> None:
    assert problems_of(
        tmp_path,
        HEADER,
        ROW_IT,
        "cn-emb-it,Embassy of China in Italy,embassy,CN,IT,,bluesky,ambcina.bsky.social",
    ) == [
        "3: name: 'Embassy of China in Italy' differs from 'Embassy of the P.R.C. in Italy' on line 2; "
        "rows of actor 'cn-emb-it' must agree on actor fields",
        "3: host_city: (empty) differs from 'Rome' on line 2; rows of actor 'cn-emb-it' must agree on actor fields",
    ]


def test_rows_of_one_actor_become_one_actor(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    bluesky = ROW_IT.replace(",x,", ",bluesky,")
    path.write_text(f"{HEADER},tags\n{ROW_IT},a; b\n{bluesky},a;b\n", encoding="utf-8")
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    assert len(roster.actors) == 1
    assert roster.actors[0].tags == ["a", "b"]
    assert [a.platform for a in roster.actors[0].accounts] == ["x", "bluesky"]


def test_duplicate_handle_across_rows_ignores_case(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER, ROW_IT, ROW_FR.replace("AmbassadeChine", "AMBCINA")) == [
        "3: handle: x account 'AMBCINA' is listed twice (first as 'AmbCina' on line 2; handles ignore case)"
    ]


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER, ROW_IT + ",extra", ROW_FR) == ["2: row: has 9 fields but the header has 8"]


def test_institutional_column_must_be_boolean(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER + ",institutional", ROW_IT + ",yes") == [
        "2: institutional: must be true or false, not 'yes'"
    ]


def test_required_cells(tmp_path: Path) -> None:
    assert problems_of(tmp_path, HEADER, ",,,,,Rome,,") == [
        "2: actor_id: is required",
        "2: name: is required",
        "2: kind: is required",
        "2: state: is required",
        "2: platform: is required",
        "2: handle: is required",
    ]


def test_tenure_and_optional_columns(tmp_path: Path) -> None:
    header = HEADER + ",tenure_start,tenure_end,user_id,organisation,person"
    row = "cn-amb-it,LI Junhua,ambassador,CN,IT,Rome,x,AmbLiJunhua,2022,2019,123,,LI Junhua"
    assert problems_of(tmp_path, header, row) == ["2: tenure_end: '2019' is before tenure_start '2022'"]


def test_bom_header_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + ROW_IT + "\n").encode("utf-8"))
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    assert roster.actors[0].actor_id == "cn-emb-it"
