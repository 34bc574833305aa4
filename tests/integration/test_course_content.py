"""`check` and `preview` for a course of treatment (issue 22): the new fields (`course`,
`sessions`, `photo` steps and their `threshold`, `outcome` steps) are validated with
`file: place: what`, and `preview` lists the confirmation request and the recall."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.test_cli import ROOT, run_cli

FACE = "content/protocols/micro-mesotherapy-face.toml"


def shipped_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_reports_each_bad_course_field_with_file_and_place(tmp_path: Path) -> None:
    """Bad course sessions / every / maintenance, a photo threshold out of range, a threshold
    on a reminder, options on a photo step, sessions of a step beyond a course without
    maintenance, an unknown kind: each reported as file: place: what, exit 1."""
    folder = shipped_copy(tmp_path)
    face = folder / "protocols" / "micro-mesotherapy-face.toml"
    hair = folder / "protocols" / "micro-mesotherapy-hair.toml"
    edit(face, 'course = { sessions = 3, every = "21d", maintenance = "26w" }',
         'course = { sessions = 0, every = "2h", maintenance = "3d", weekly = true }')
    edit(face, "threshold = 6", "threshold = 10")
    edit(face, 'id = "results-early"\nday = 2', 'id = "results-early"\nthreshold = 4\nday = 2')
    edit(hair, 'course = { sessions = 18, every = "7d" }',
         'course = { sessions = 6, every = "7d" }')
    edit(hair, 'kind = "outcome"', 'kind = "survey"')
    result = run_cli(tmp_path, "check", content=folder)
    assert result.code == 1
    out = result.err + result.out
    face_file, hair_file = str(face), str(hair)
    for expected in (
        f"{face_file}: course.sessions: expected a whole number of sessions from 1 to 60, got 0",
        f"{face_file}: course.every: '2h' is less than a day",
        f"{face_file}: course.maintenance: '3d' is less than a week",
        f"{face_file}: course.weekly: unknown key",
        f"{face_file}: steps[id=photo-day2].threshold: expected a whole number from 0 to 9",
        f'{face_file}: steps[id=results-early].threshold: a threshold is only for kind = "photo"',
        f"{hair_file}: steps[id=photo-scalp].sessions: session 8 is beyond the course's 6 "
        "sessions",
        f"{hair_file}: steps[id=outcome].kind: expected one of 'reminder', 'checkin', "
        "'photo', 'outcome', got 'survey'",
    ):
        assert expected in out, f"missing {expected!r} in:\n{out}"


def test_check_refuses_options_on_a_photo_step_and_bad_session_lists(tmp_path: Path) -> None:
    """Options belong to check-ins only; `sessions` must list distinct numbers from 1."""
    folder = shipped_copy(tmp_path)
    face = folder / "protocols" / "micro-mesotherapy-face.toml"
    edit(face, "threshold = 6\n", 'threshold = 6\noptions = [{ id = "a", text = "A" }, '
                                  '{ id = "b", text = "B" }]\n')
    edit(face, "sessions = [3]", "sessions = [3, 3, 0]")
    result = run_cli(tmp_path, "check", content=folder)
    assert result.code == 1
    out = result.err + result.out
    assert (f"{face}: steps[id=photo-day2].options: options are only for kind = \"checkin\""
            in out)
    assert f"{face}: steps[id=outcome].sessions: expected a list of session numbers" in out


def test_preview_lists_the_confirmation_request_and_the_recall(tmp_path: Path) -> None:
    """preview of the hair protocol, booked well ahead: the confirmation request 24 h before
    (with its buttons), the photo check-in of session 1, the recall a week after."""
    result = run_cli(tmp_path, "preview", "micro-mesotherapy-hair", "--session",
                     "2026-03-10 10:00", "--enrolled", "2026-03-01 09:00",
                     "--tz", "Asia/Kolkata", content=ROOT / "content")
    assert result.code == 0, result.err
    out = result.out
    assert "Course: session 1 of 18" in out
    assert "Mon 2026-03-09 10:00 UTC+05:30  confirm  confirm  pending" in out
    assert "course: the confirmation request, when the session is booked ahead" in out
    assert "Your next session at Our clinic is Tue 10 Mar, 10:00" in out
    assert "[I'll be there] (yes)" in out and "[I need to change it] (change)" in out
    assert "Wed 2026-03-11 12:00 UTC+05:30  photo-scalp #1/1  photo  pending" in out
    assert "Tue 2026-03-17 10:00 UTC+05:30  recall  recall  pending" in out
    assert "(session 2 of 18)" in out and "[I've finished the course] (finished)" in out


def test_preview_of_the_last_session_shows_outcome_and_maintenance(tmp_path: Path) -> None:
    """--number 3 of the face course: its outcome step a month later, then the maintenance
    recall 26 weeks after (the face photo check-in comes at every session)."""
    result = run_cli(tmp_path, "preview", "micro-mesotherapy-face", "--session",
                     "2026-03-10 10:00", "--enrolled", "2026-03-01 09:00", "--number", "3",
                     "--tz", "Asia/Kolkata", content=ROOT / "content")
    assert result.code == 0, result.err
    assert "Thu 2026-04-09 11:00 UTC+05:30  outcome #1/1  outcome  pending" in result.out
    assert "Tue 2026-09-08 10:00 UTC+05:30  recall  recall  pending" in result.out
    assert "maintenance session" in result.out
    bad = run_cli(tmp_path, "preview", "micro-mesotherapy-face", "--number", "0",
                  content=ROOT / "content")
    assert bad.code == 2 and "--number" in bad.err
