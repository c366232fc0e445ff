"""Every string of the interface has its Russian translation, and the catalogue is well-formed."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from vigil.web.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": (2,), "N_": None}
METHODS = [
    ("src/vigil/web/**.py", "python"),
    ("src/vigil/web/templates/**.html", "jinja2"),
]


def interface_strings() -> set[str]:
    found = extract_from_dir(
        ROOT,
        method_map=METHODS,
        options_map={"src/vigil/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    )
    strings: set[str] = set()
    for _file, _line, message, _comments, _context in found:
        strings.update([message] if isinstance(message, str) else [m for m in message if m])
    return strings


def russian() -> dict[str, str]:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale="ru")
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str)}


def test_the_templates_and_routes_have_strings_to_translate() -> None:
    assert {"Sign in", "Incidents", "Overview"} <= interface_strings()


def test_every_interface_string_is_translated_into_russian() -> None:
    translated = {k for k, v in russian().items() if v.strip()}
    missing = sorted(interface_strings() - translated)
    assert not missing, (
        f"{len(missing)} strings lack a Russian translation (run make messages): {missing[:20]}"
    )


def test_russian_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    for source, target in russian().items():
        if target:
            assert set(placeholder.findall(source)) == set(placeholder.findall(target)), source
