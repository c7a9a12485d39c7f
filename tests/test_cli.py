from typer.testing import CliRunner

from dagster_project.cli import app

COMMANDS = ["generate", "ingest", "prepare", "build", "publish", "bench", "paths", "invoice"]


def test_help_lists_every_command_with_a_line_of_help():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0
    lines = [ln.strip("│ \t") for ln in result.output.splitlines()]
    for command in COMMANDS:
        line = next((ln for ln in lines if ln.startswith(command + " ")), None)
        assert line is not None, f"{command} missing from --help"
        assert len(line.split()) > 1, f"{command} has no help text"


def test_invoice_subcommands_listed():
    result = CliRunner().invoke(app, ["invoice", "--help"])
    assert result.exit_code == 0
    assert "show" in result.output and "render" in result.output


def test_paths_are_absolute_and_follow_env(monkeypatch, tmp_path):
    monkeypatch.setenv("REVHOUSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REVHOUSE_DUCKDB_PATH", raising=False)
    result = CliRunner().invoke(app, ["paths"])
    assert result.exit_code == 0
    assert f"{tmp_path}/warehouse/revhouse.duckdb" in result.output
