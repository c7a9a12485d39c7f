from typer.testing import CliRunner

from dagster_project.cli import app

COMMANDS = ["generate", "ingest", "prepare", "build", "publish", "bench", "paths", "invoice", "collections"]


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


def test_build_and_publish_offer_their_flags():
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    build = CliRunner().invoke(app, ["build", "--help"], env=env)
    assert build.exit_code == 0
    assert "--unit-tests" in build.output and "--allow-empty" in build.output
    assert "--full-refresh" in build.output and "int_billing__usage_daily" in build.output
    publish = CliRunner().invoke(app, ["publish", "--help"], env=env)
    assert publish.exit_code == 0 and "--allow-empty" in publish.output


def test_build_passes_its_flags_to_the_run(monkeypatch):
    import dagster_project.pipeline as pipeline

    calls = []
    monkeypatch.setattr(pipeline, "materialize_all", lambda **kw: calls.append(kw) or True)
    assert CliRunner().invoke(app, ["build"]).exit_code == 0
    assert CliRunner().invoke(app, ["build", "--unit-tests", "--allow-empty"]).exit_code == 0
    assert CliRunner().invoke(app, ["build", "--full-refresh"]).exit_code == 0
    assert calls == [
        {"unit_tests": False, "allow_empty": False, "full_refresh": False},
        {"unit_tests": True, "allow_empty": True, "full_refresh": False},
        {"unit_tests": False, "allow_empty": False, "full_refresh": True},
    ]
