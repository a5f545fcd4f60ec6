"""The house rules a newcomer relies on: imports run one way, and the README's options are real."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trialscreen import cli
from trialscreen.config import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_imports_run_one_way() -> None:
    """import-linter's layers contract (pyproject.toml): an arrow the wrong way fails here and in `make lint`."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("lint-imports is missing: run `make install` (import-linter is a dev dependency)")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 kept, 0 broken" in done.stdout


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {s for action in parser._actions for s in action.option_strings}


def test_every_option_the_readme_names_is_accepted() -> None:
    """The commands table and the common-options table of the README, against the real parser."""
    commands = _commands()
    checked = 0
    for line in README.splitlines():
        usage = re.match(r"^\| `trialscreen (\w+)([^`]*)`", line)
        if usage:
            name, rest = usage.groups()
            assert name in commands, f"the README lists `trialscreen {name}`, which the CLI does not have"
            for flag in re.findall(r"--[a-z][a-z-]*", rest):
                assert flag in _flags(commands[name]), f"`trialscreen {name}` does not accept {flag} (README)"
                checked += 1
        common = re.match(r"^\| `(--[a-z][a-z-]*)", line)
        if common:
            for name, sub in commands.items():
                assert common.group(1) in _flags(sub), f"`trialscreen {name}` does not accept {common.group(1)}"
            checked += 1
    assert checked >= 20


def test_every_setting_is_an_option_with_its_environment_variable_in_the_readme() -> None:
    for option in OPTIONS:
        assert f"`{option.flag}" in README, f"{option.flag} is not in the README's options table"
        assert f"`{option.env}`" in README, f"{option.env} is not in the README's options table"


def test_settings_come_from_flags_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIALSCREEN_LLM_MODEL", "from-env")
    args = cli.build_parser().parse_args(["trials", "--llm-model", "from-flag", "--data-dir", str(tmp_path)])
    settings = cli._settings(args)
    assert settings.llm_model == "from-flag" and settings.data_dir == tmp_path
    args = cli.build_parser().parse_args(["trials"])
    assert cli._settings(args).llm_model == "from-env"
