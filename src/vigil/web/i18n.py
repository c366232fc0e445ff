"""The interface's languages: message catalogues read with Babel, one per language.

Catalogues are the `.po` files under ``locale/``; they are compiled in memory when the
application is built, so no compiled file has to be kept in step with its source.
"""

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


def load_translations(language: str) -> NullTranslations:
    """Return the catalogue of one language; English is the source text itself."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def best_language(cookie: str | None, accept_language: str | None) -> str:
    """The language a request asks for: its cookie first, then its Accept-Language header."""
    if cookie in LANGUAGES:
        return cookie
    weighted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES:
            weighted.append((quality, primary))
    return max(weighted)[1] if weighted else DEFAULT_LANGUAGE
