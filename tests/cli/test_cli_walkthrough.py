"""Walkthrough fixes: relative targets, read-only plans, --config, lock hints, flags, help, errors."""

# mypy: allow-untyped-defs, allow-untyped-calls

import argparse
import shlex

import pytest

from clikit import run
from manifestkit import documents, model_group, openai_connector, remote_model
from mlgitops.cli.commands import watch as watch_command
from mlgitops.cli.keeping import KeptTargets
from mlgitops.cli.main import build_parser, main
from mlgitops.cli.wiring import open_backend

KEY_ENV = "WALKTHROUGH_OPENAI_KEY"
KEY_VALUE = "sk-walkthrough-never-shown-0123"
PROJECT_FILE = """\
manifests: m
environments:
  here: {target: "local:state"}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project in tmp_path/p (env ``here`` targets ``local:state``), with the cwd in tmp_path/elsewhere."""
    root = tmp_path / "p"
    (root / "m").mkdir(parents=True)
    (root / "mlgitops.yaml").write_text(PROJECT_FILE)
    (root / "m" / "all.yaml").write_text(
        documents(
            model_group("g", "walkthrough"),
            openai_connector("c", KEY_ENV),
            remote_model("embedder", "c", "g"),
        )
    )
    monkeypatch.setenv(KEY_ENV, KEY_VALUE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return root


# -- 1. relative local targets and read-only commands ----------------------------------------------


def test_plan_of_a_missing_local_target_shows_everything_and_creates_nothing(capsys, env, tmp_path):
    missing = tmp_path / "nope"
    code, out, err = run(capsys, "plan", "--env", "demo", "--target", f"local:{missing}")
    assert code == 0, err
    assert "Plan: 14 to add, 0 to change" in out
    assert "does not exist yet" in err
    assert not missing.exists()
    code, out, _ = run(capsys, "reconcile", "--dry-run", "--env", "demo", "--target", f"local:{missing}")
    assert code == 0 and "14 to add" in out
    assert not missing.exists()


def test_predict_on_a_missing_engine_is_one_line_and_creates_nothing(capsys, tmp_path):
    missing = tmp_path / "nope"
    code, out, err = run(capsys, "predict", "m", "--parameters", "{}", "--target", f"local:{missing}")
    assert code == 1 and out == ""
    assert err == f"error: no engine at {missing} (reconcile creates it)\n"
    assert not missing.exists()


@pytest.mark.parametrize("subcommand", ["info", "rotate-key"])
def test_engine_commands_on_a_missing_dir_are_one_line_and_create_nothing(capsys, tmp_path, subcommand):
    missing = tmp_path / "nope"
    code, out, err = run(capsys, "engine", subcommand, "--dir", str(missing))
    assert code == 1 and out == ""
    assert err == f"error: no engine at {missing} (reconcile creates it)\n"
    assert not missing.exists()


def test_an_environment_local_target_is_relative_to_the_project_file(capsys, project, tmp_path):
    config = str(project / "mlgitops.yaml")
    code, _, err = run(capsys, "reconcile", "--config", config, "--env", "here")
    assert code == 0, err
    assert (project / "state").is_dir()
    assert not (tmp_path / "elsewhere" / "state").exists()


def test_a_command_line_local_target_stays_relative_to_the_cwd(capsys, project, tmp_path):
    config = str(project / "mlgitops.yaml")
    code, _, err = run(capsys, "reconcile", "--config", config, "--env", "here", "--target", "local:mine")
    assert code == 0, err
    assert (tmp_path / "elsewhere" / "mine").is_dir()
    assert not (project / "mine").exists()


# -- 2. --config picks the manifests directory -------------------------------------------------------


@pytest.mark.parametrize("command", [["plan"], ["reconcile", "--dry-run"]])
def test_config_from_another_cwd_reads_the_project_manifests(capsys, project, command):
    code, out, err = run(capsys, *command, "--config", str(project / "mlgitops.yaml"), "--env", "here")
    assert code == 0, err
    assert "+ ModelGroup/g (create)" in out and "Model/embedder" in out and "3 to add" in out
    assert not (project / "state").exists()


# -- 3. the unlock hint works as printed ------------------------------------------------------------


def _hint(err: str) -> list[str]:
    command = err.split("break the lock with: mlgitops ", 1)[1].strip()
    return shlex.split(command)


def test_the_lock_hint_names_the_target_and_runs_as_printed(capsys, project, tmp_path):
    target = f"local:{tmp_path / 'locked'}"
    assert run(capsys, "reconcile", "--config", str(project / "mlgitops.yaml"), "--target", target)[0] == 0
    with open_backend(target) as backend:
        lock = backend.acquire_lock("run-elsewhere", "ci@runner-7")
    code, _, err = run(capsys, "reconcile", "--config", str(project / "mlgitops.yaml"), "--target", target)
    assert code == 1
    hint = _hint(err)
    assert hint == ["unlock", lock.lock_id, "--target", target]
    code, _, err = run(capsys, *hint)
    assert code == 0 and "ci@runner-7" in err
    code, _, err = run(capsys, *hint)
    assert code == 1 and "not locked" in err and str(tmp_path / "locked") in err


def test_the_lock_hint_names_the_environment_when_the_target_came_from_one(capsys, project):
    config = str(project / "mlgitops.yaml")
    assert run(capsys, "reconcile", "--config", config, "--env", "here")[0] == 0
    with open_backend(f"local:{project / 'state'}") as backend:
        lock = backend.acquire_lock("run-elsewhere", "ci@runner-7")
    code, _, err = run(capsys, "reconcile", "--config", config, "--env", "here")
    assert code == 1
    hint = _hint(err)
    assert hint == ["unlock", lock.lock_id, "--env", "here", "--config", config]
    assert run(capsys, *hint)[0] == 0


# -- 4. --traceback and -v after the subcommand -----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "traceback", "verbose"),
    [
        (["plan"], False, 0),
        (["--traceback", "-vv", "plan"], True, 2),
        (["plan", "--traceback", "-vv"], True, 2),
        (["-v", "plan", "--env", "demo"], False, 1),
        (["--traceback", "plan", "-v"], True, 1),
        (["engine", "serve", "--traceback", "-v"], True, 1),
        (["standin", "serve", "--traceback"], True, 0),
    ],
)
def test_global_flags_work_before_and_after_the_subcommand(argv, traceback, verbose):
    args = build_parser().parse_args(argv)
    assert (args.traceback, args.verbose) == (traceback, verbose)


def test_traceback_after_the_subcommand_runs_the_command(capsys, env):
    code, out, err = run(capsys, "plan", "--traceback", *env, "-v")
    assert code == 0, err
    assert "to add" in out


# -- 5. help texts are for users -------------------------------------------------------------------


def _all_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.extend(_all_commands(child, (*prefix, name)))
    return found


COMMANDS = _all_commands(build_parser())


def test_every_command_is_covered():
    assert ("engine", "serve") in COMMANDS and ("plan",) in COMMANDS and () in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words) or "mlgitops")
def test_every_help_is_user_facing(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "``" not in out and "argparse" not in out
    usage_end = out.index("\n\n")
    description = out[usage_end:].split("\n\n")[1]
    assert description.strip() and not description.startswith(("positional arguments", "options"))


@pytest.mark.parametrize("command", ["plan", "reconcile", "watch", "predict"])
def test_main_commands_show_an_example(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert f"mlgitops {command}" in capsys.readouterr().out.split("options:")[-1]


# -- 6. connection errors name the target -----------------------------------------------------------


def test_an_unreachable_target_is_named_in_one_line(capsys, env):
    url = "https://search-staging.mlgitops-test.invalid:9200"
    code, out, err = run(capsys, "plan", "--env", "demo", "--target", url)
    assert code == 1 and out == ""
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"error: cannot reach {url}: DNS lookup failed (")


# -- 7. consistency ---------------------------------------------------------------------------------


def test_predict_without_input_uses_the_normal_error_path(capsys, tmp_path):
    code, _, err = run(capsys, "predict", "m", "--target", f"local:{tmp_path / 'nope'}")
    assert code == 1 and err == "error: give --parameters JSON or --text-docs TEXT...\n"


def test_unlock_config_help_matches_the_other_commands(capsys):
    with pytest.raises(SystemExit):
        main(["unlock", "--help"])
    assert "(default: ./mlgitops.yaml when present)" in " ".join(capsys.readouterr().out.split())


def test_a_wrong_model_name_names_the_target_and_suggests_close_names(capsys, project):
    config = str(project / "mlgitops.yaml")
    assert run(capsys, "reconcile", "--config", config, "--env", "here")[0] == 0
    code, out, err = run(
        capsys, "predict", "embeder", "--parameters", "{}", "--config", config, "--env", "here"
    )
    assert code == 1 and out == ""
    assert err == (
        f"error: no model named 'embeder' is managed on local engine in {project / 'state'}; "
        "did you mean 'embedder'?\n"
    )
    assert KEY_VALUE not in err


def test_watch_with_config_from_another_cwd_watches_the_project_manifests(capsys, project, monkeypatch):
    watched = []

    def record(paths, **_options):
        watched.extend(paths)
        return []

    monkeypatch.setattr(watch_command, "watch_sources", record)
    code, _, err = run(capsys, "watch", "--config", str(project / "mlgitops.yaml"), "--env", "here")
    assert code == 1 and "nothing to watch" in err
    assert watched == [project / "m", project / "mlgitops.yaml"]
    args = build_parser().parse_args(["watch", "--config", str(project / "mlgitops.yaml"), "--env", "here"])
    with KeptTargets() as targets:
        view = watch_command._Steps(args, targets).plan()
    assert "+ ModelGroup/g (create)" in view.text
    assert not (project / "state").exists()
