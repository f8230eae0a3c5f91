"""`graphengine demo` refuses an output it must not overwrite, in one line."""

from __future__ import annotations

from graphengine.cli.main import main


def test_demo_refuses_a_file_as_out(tmp_path, capsys) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["demo", "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert err == f"graphengine: error: --out {target} is a file; give a folder\n"
    assert target.read_text() == "keep me"


def test_demo_refuses_a_folder_that_is_not_an_earlier_demo(tmp_path, capsys) -> None:
    (tmp_path / "case.csv").write_text("keep me")
    assert main(["demo", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "is not empty and holds no earlier demo; choose a new folder" in err
    assert err.count("\n") == 1
    assert (tmp_path / "case.csv").read_text() == "keep me"
