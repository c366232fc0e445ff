"""The `vigil` command run in-process against a new instance on each database."""

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from conftest import instance_environment
from vigil.bootstrap import Settings
from vigil.cli.main import cli

Run = Callable[..., Result]


@pytest.fixture
def run(settings: Settings) -> Run:
    """Return a function that runs `vigil ARGS…` (extra keywords set environment variables)."""
    runner = CliRunner()
    env = instance_environment(settings)

    def invoke(*args: str, **extra: str) -> Result:
        return runner.invoke(cli, list(args), env={**env, **extra}, catch_exceptions=False)

    assert invoke("init").exit_code == 0
    return invoke
