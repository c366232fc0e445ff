"""Every command, option, setting and vocabulary is documented."""

import re
from collections.abc import Iterator
from pathlib import Path

import click

from vigil.cli.main import cli
from vigil.services.vocabularies import load_vocabularies

DOCS = Path(__file__).resolve().parents[2] / "docs"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "vigil"


def commands(group: click.Group, prefix: str = "vigil") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def test_every_command_and_option_is_in_the_cli_docs() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name, command in commands(cli):
        heading = f"### `{name}`"
        assert heading in text, f"{name} is not documented"
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        for param in command.params:
            if isinstance(param, click.Option):
                assert f"`{param.opts[0]}`" in section, f"{name} {param.opts[0]} undocumented"


def test_every_setting_is_documented() -> None:
    used = set()
    for path in SOURCE.rglob("*.py"):
        used |= set(re.findall(r"VIGIL_[A-Z_]+", path.read_text(encoding="utf-8")))
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert used, "no settings found"
    assert {s for s in used if f"`{s}`" not in text} == set()


def test_every_vocabulary_is_documented() -> None:
    text = (DOCS / "vocabularies.md").read_text(encoding="utf-8")
    assert {v.ident for v in load_vocabularies() if v.ident not in text} == set()
