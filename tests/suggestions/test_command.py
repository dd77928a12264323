"""`manage.py suggest_red_threads FILE.jsonl`: JSON out, a clear message for a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from .test_engine import LABELLED, MONEY, SPACE

ROOT = Path(__file__).resolve().parents[2]


def write_lines(tmp_path: Path, lines: list[str], name: str = "notes.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> list[dict]:
    out = StringIO()
    with translation.override("en"):
        call_command("suggest_red_threads", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_clusters_with_a_title_and_the_ids(tmp_path):
    lines = [json.dumps({"id": f"s{n}", "text": text}) for n, text in enumerate(SPACE)]
    lines += [
        json.dumps({"id": n, "text": text, "theme": "samenkracht"}) for n, text in enumerate(MONEY)
    ]
    lines.insert(3, "   ")  # blank lines are skipped
    clusters = run(str(write_lines(tmp_path, lines)), "--method", "tfidf", "--max-clusters", "4")
    assert [sorted(cluster) for cluster in clusters] == [["ids", "title", "why"]] * 2
    assert sorted(str(i) for cluster in clusters for i in cluster["ids"]) == sorted(
        [f"s{n}" for n in range(5)] + [str(n) for n in range(5)]
    )
    assert all(cluster["title"] for cluster in clusters)


def test_the_labelled_set_runs_with_the_default_method():
    clusters = run(str(LABELLED))
    ids = [identifier for cluster in clusters for identifier in cluster["ids"]]
    assert len(clusters) >= 2
    assert len(ids) == len(set(ids)) and len(ids) > 80


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "holds no notes"),
        (["{not json"], "Line 1: this is not valid JSON"),
        (['{"id": 1, "text": "a"}', '["a list"]'], "Line 2: expected an object"),
        (['{"text": "zonder id"}'], 'Line 1: "id" is missing'),
        (['{"id": true, "text": "ja"}'], '"id" is missing, or is not a number'),
        (['{"id": 1, "text": "a"}', '{"id": 1, "text": "b"}'], "the id 1 occurs twice"),
        (['{"id": 1, "text": 5}'], '"text" is missing, or is not a text'),
        (['{"id": 1, "text": "a", "theme": [3]}'], '"theme" is not a text or a number'),
    ],
    ids=["empty", "not json", "not an object", "no id", "bool id", "twice", "no text", "theme"],
)
def test_a_bad_file_gets_a_message_that_names_the_line(tmp_path, lines, message):
    with pytest.raises(CommandError, match=message):
        run(str(write_lines(tmp_path, lines)))


def test_a_theme_may_be_a_number_or_absent_and_ids_text_or_number(tmp_path):
    """Spreadsheets and other tools write a theme's number; 3, 3.0 and "3" are one theme."""
    lines = [
        json.dumps({"id": n, "text": text, "theme": [3, 3.0, "3", None, 3][n]})
        for n, text in enumerate(MONEY)
    ]
    lines += [json.dumps({"id": f"s{n}", "text": text}) for n, text in enumerate(SPACE)]
    clusters = run(str(write_lines(tmp_path, lines)), "--method", "tfidf", "--max-clusters", "4")
    assert sorted(len(cluster["ids"]) for cluster in clusters) == [5, 5]


def test_a_file_from_excel_or_windows_and_a_json_list_are_read(tmp_path):
    """A byte-order mark, Windows line ends, ids written as 3.0 and one JSON list of notes, as
    other tools export them, give the same groups as plain JSON lines."""
    notes = [{"id": n, "text": text} for n, text in enumerate(MONEY)]
    notes += [{"id": f"s{n}", "text": text} for n, text in enumerate(SPACE)]
    plain = run(
        str(write_lines(tmp_path, [json.dumps(note) for note in notes])), "--method", "tfidf"
    )
    from_excel = tmp_path / "excel.jsonl"
    lines = [
        json.dumps({**note, "id": float(note["id"])} if note["id"] in (0, 1) else note)
        for note in notes
    ]
    from_excel.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    as_list = tmp_path / "notes.json"
    as_list.write_text(json.dumps(notes, indent=2), encoding="utf-8")
    for path in (from_excel, as_list):
        found = run(str(path), "--method", "tfidf")
        assert [sorted(map(str, c["ids"])) for c in found] == [
            sorted(map(str, c["ids"])) for c in plain
        ]
    assert len(plain) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": 1, "text": "a"},\n{"id": 2}]', 'Note 2 in the list: "text" is missing'),
        (
            '[{"id": 1, "text": "a"},\n{"id": 2',
            "starts a JSON list but is not valid JSON \\(line 2\\)",
        ),
        ("[1]\n[2]", "starts a JSON list but is not valid JSON"),
        ("[]", "holds no notes"),
    ],
    ids=["item", "broken", "two lists", "empty"],
)
def test_a_bad_json_list_gets_a_message_that_names_the_item(tmp_path, text, message):
    path = tmp_path / "notes.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(str(path))


def test_like_prints_the_other_ids_closest_first(tmp_path):
    lines = [json.dumps({"id": n, "text": text}) for n, text in enumerate(MONEY)]
    lines += [json.dumps({"id": f"s{n}", "text": text}) for n, text in enumerate(SPACE)]
    path = str(write_lines(tmp_path, lines))
    ranked = run(path, "--like", "0,1")
    assert sorted(ranked[:3]) == [2, 3, 4]  # ids come back as the file wrote them
    assert sorted(ranked[3:]) == sorted(f"s{n}" for n in range(5))
    assert sorted(run(path, "--like", "s0")[:4]) == [f"s{n}" for n in range(1, 5)]
    with pytest.raises(CommandError, match="no note has the id 9"):
        run(path, "--like", "0,9")
    with pytest.raises(CommandError, match="needs one or more ids"):
        run(path, "--like", ",")


def test_a_missing_file_a_folder_and_a_file_not_in_utf8_are_named(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "nergens.jsonl"))
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path))
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"id": 1, "text": "café"}\n'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(latin))


def test_bad_options_are_refused(tmp_path):
    path = write_lines(tmp_path, ['{"id": 1, "text": "a"}'])
    with pytest.raises(CommandError, match="--max-clusters must be 2 or more"):
        run(str(path), "--max-clusters", "1")


def test_from_the_shell_a_bad_file_exits_non_zero_with_a_message_and_no_traceback(tmp_path):
    path = write_lines(tmp_path, ["{kapot"])
    result = subprocess.run(  # a real process: the exit code and stderr a team would see
        [sys.executable, "manage.py", "suggest_red_threads", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Regel 1" in result.stderr  # Dutch first: the default language
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
