"""Blind indexes: finding a person by name without decrypting, through truncated keyed hashes.

A name is split into tokens, each token is normalised so that Cyrillic spellings and the usual
Latin transliterations meet ("Максим Лапунов", "Maxim Lapunov", "Maksym Lapunow" give the same
tokens), and for each token two terms are stored: the HMAC-SHA256 of the folded token ("t:") and
of its Metaphone code ("p:"), keyed by an index key derived from the compartment data key and
truncated to a few bits (16 by default).

What someone holding the database but not the key learns from the index:

- how many tokens each sealed name has (the number of terms per record);
- which records share a truncated bucket, so probably, but not certainly, a name token (this
  links records that are likely about the same person or family);
- how often each bucket occurs, so the buckets of very common names stand out.

They do not learn the names: without the key the terms cannot be computed for a guess. Because
of the truncation many different tokens share every value, so even with the key a term is not a
fingerprint of one name, only of a bucket of names; a key holder with a list of candidate names
can, however, narrow a record down to the few candidates that fall into all of its buckets. The
same truncation makes searches return false positives: a hit is a candidate to decrypt and check,
never an answer. Index keys differ per compartment, so terms cannot be compared across them.
"""

import hashlib
import hmac
import re
import unicodedata

import jellyfish

INDEX_KEY_BYTES = 32
MIN_KEY_BYTES = 16
# Person names are indexed at 12 bits (4,096 values per kind of term): see docs/security.md.
PERSON_NAME_BITS = 12
MIN_TOKEN_CHARS = 2
SPELLING_PREFIX = "t"
PHONETIC_PREFIX = "p"

_INDEX_KEY_LABEL = b"vigil blind index key v1"
_TERM_LABEL = b"vigil blind index term v1"
_FOLD_PASSES = 8

# Russian, plus Ukrainian and Chechen letters; palochka (Ӏ) marks Chechen ejectives and is dropped.
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g", "ӏ": "", "Ӏ": "",
    }
)  # fmt: skip
# Latin letters whose diacritic carries a sound the plain letter lacks (Czech/ISO transliteration).
_LATIN_DIGRAPHS = str.maketrans({"š": "sh", "č": "ch", "ž": "zh", "ł": "l", "ı": "i"})
_APOSTROPHES = str.maketrans(dict.fromkeys("'’ʼʹ`´", None))
_WORD = re.compile(r"[^\W_]+(?:[-‐‑‒–—−][^\W_]+)*")
_HYPHEN = re.compile(r"[-‐‑‒–—−]")
_DOUBLE = re.compile(r"([^\W\d_])\1+")
_C_NOT_CH = re.compile(r"c(?!h)")

# Ordered: longer spellings before the shorter ones they contain.
_SPELLINGS = (
    ("shch", "sh"),  # щ: shch / sch / shh all become ш's sh
    ("tsch", "ch"),  # German ч
    ("tch", "ch"),  # French/English ч: Tchaikovsky
    ("sch", "sh"),  # German ш, or щ
    ("dzh", "j"),  # Джохар: Dzhokhar / Djokhar / Jokhar
    ("dj", "j"),
    ("kh", "h"),  # х: Khasan / Hasan
    ("gh", "g"),  # Chechen гӀ
    ("ph", "f"),
    ("x", "ks"),  # Maxim / Maksim
    ("q", "k"),
    ("ck", "k"),
    ("tz", "ts"),  # German ц
    ("w", "v"),  # Lapunow / Lapunov
    ("j", "i"),  # German/Polish й, я (ja), ю (ju)
    ("y", "i"),  # English й, ы, я (ya), ю (yu): Maksym / Maksim
)


def name_tokens(text: str) -> list[str]:
    """Split a name into normalised tokens on which Cyrillic and Latin spellings of it agree."""
    tokens: list[str] = []
    for word in _WORD.findall(_transliterate(text)):
        parts = _HYPHEN.split(word)
        candidates = [*parts, "".join(parts)] if len(parts) > 1 else parts
        for candidate in candidates:
            token = _fold_spelling(candidate)
            if len(token) >= MIN_TOKEN_CHARS:
                tokens.append(token)
    return list(dict.fromkeys(tokens))


def phonetic_code(token: str) -> str:
    """Return the Metaphone code of a token, so near-spellings (Lapunov, Lapunof) share it."""
    return jellyfish.metaphone(token)


def derive_index_key(data_key: bytes, purpose: str = "person-name") -> bytes:
    """Derive a blind-index key from a compartment data key; it cannot be turned back into it.

    This is HKDF-Expand (RFC 5869) with HMAC-SHA256, the data key as pseudorandom key and a fixed
    label plus purpose as info, so each indexed field gets its own independent key.
    """
    if len(data_key) < MIN_KEY_BYTES:
        raise ValueError(f"a data key needs at least {MIN_KEY_BYTES} bytes")
    info = _INDEX_KEY_LABEL + b"\x00" + purpose.encode("utf-8")
    return hmac.digest(data_key, info + b"\x01", hashlib.sha256)[:INDEX_KEY_BYTES]


class BlindIndex:
    """Computes truncated keyed terms for names; equal tokens always meet, buckets hide names."""

    def __init__(self, key: bytes, bits: int = 16) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"a blind-index key needs at least {MIN_KEY_BYTES} bytes")
        if not 1 <= bits <= 256:
            raise ValueError("a blind-index term keeps between 1 and 256 bits")
        self._key = key
        self._bits = bits
        self._width = (bits + 3) // 4

    def tokens(self, name: str) -> list[tuple[str, str]]:
        """Return each normalised token of a name with its phonetic code ("" if it has none).

        These are plaintext, for comparing in memory; only their terms are ever stored.
        """
        return [(token, phonetic_code(token)) for token in name_tokens(name)]

    def terms(self, name: str) -> set[str]:
        """Return the index terms of a name: one per token and one per phonetic code, no text."""
        found: set[str] = set()
        for token, code in self.tokens(name):
            found.add(self.term(SPELLING_PREFIX, token))
            if code:
                found.add(self.term(PHONETIC_PREFIX, code))
        return found

    def query_terms(self, name: str) -> set[str]:
        """Return the terms to look a name up by; hits are candidates that must be decrypted."""
        return self.terms(name)

    def term(self, prefix: str, value: str) -> str:
        """Return the truncated keyed term of one token ("t") or one phonetic code ("p")."""
        message = b"\x00".join((_TERM_LABEL, prefix.encode("ascii"), value.encode("utf-8")))
        digest = int.from_bytes(hmac.digest(self._key, message, hashlib.sha256), "big")
        return f"{prefix}:{digest >> (256 - self._bits):0{self._width}x}"


def _transliterate(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHES)).casefold()
    text = text.translate(_APOSTROPHES).translate(_CYRILLIC).translate(_LATIN_DIGRAPHS)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)


def _fold_spelling(token: str) -> str:
    # Repeated to a fixed point so that folding a folded token changes nothing.
    for _ in range(_FOLD_PASSES):
        folded = _fold_once(token)
        if folded == token:
            break
        token = folded
    return token


def _fold_once(token: str) -> str:
    token = _DOUBLE.sub(r"\1", token)
    for spelling, skeleton in _SPELLINGS:
        token = token.replace(spelling, skeleton)
    token = _C_NOT_CH.sub("k", token)
    token = _DOUBLE.sub(r"\1", token)
    # After y→i: Sergeyev/Sergeev, Yevgeny/Evgeny, Dmitriyev/Dmitriev.
    return _DOUBLE.sub(r"\1", token.replace("ie", "e"))
