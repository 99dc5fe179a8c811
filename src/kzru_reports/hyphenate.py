"""Where a word may be broken at the end of a line, per language.

English and Russian use the TeX patterns that pyphen ships (``en_GB``, ``ru_RU``).
There are no published hyphenation patterns for Kazakh (neither hyph-utf8 nor the
LibreOffice dictionaries have them), so Kazakh words are broken between syllables
found from the language's phonotactics: a Kazakh syllable has one vowel and at most
one consonant before it (V, VC, CV, CVC, CVCC), so between two vowels a lone
consonant starts the next syllable (``а-уыл``, ``са-пар``) and of two or three
consonants only the last does (``ел-дер``, ``айт-па``). ``у`` and ``и`` after a
vowel are glides and count as consonants (``та-уар``); ``ь`` and ``ъ`` stay with
the consonant before them. As the Kazakh rules ask, no line keeps or begins with a
single letter, and words in capitals (``АҚШ``), with digits or shorter than five
letters are never broken. Russian loanwords are broken the same way, which gives
the Russian breaks in all but a few consonant clusters (``инс-пек-тор`` where
Russian writes ``ин-спек-тор``): both are syllable boundaries, never a wrong split.

The PDF writer puts a soft hyphen at every break point (``soft_hyphens``) before
reportlab lays the text out, rather than handing reportlab a hyphenator: reportlab
asks a hyphenator only about words whose letters are Latin or U+0410–U+044F (never
a word with ә ғ қ ң ө ұ ү һ і or ё), and a word longer than a whole line it cuts
between any two letters instead. With soft hyphens it breaks every word, in every
language, only at a break point, with a hyphen.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

from kzru_reports import memo

SOFT_HYPHEN = "\u00ad"
MIN_WORD = 5  # letters; shorter words are never broken
# Lines are set ragged: a word shorter than this goes whole to the next line, which
# leaves at most a short gap; only longer words, which would leave a ragged hole,
# are hyphenated (as a typesetter would, rather than hyphenating most lines).
MIN_HYPHENATED = 8
LEFT, RIGHT = 2, 2  # letters kept before and after a break at least

_PYPHEN = {"en": "en_GB", "ru": "ru_RU"}
_KK_VOWELS = frozenset("аәеёиоөуұүыіэюяАӘЕЁИОӨУҰҮЫІЭЮЯ")
_GLIDES = frozenset("уиУИ")
_SIGNS = frozenset("ьъЬЪ")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_RUN = re.compile(r"\S+")
_NOT_PROSE = re.compile(r"[/@\\:=_\d]|\.\w")  # an address, a path, a code, a number
_LONGEST = 60  # characters: beyond this a run is no word of prose


def positions(word: str, lang: str) -> tuple[int, ...]:
    """Indexes in ``word`` before which it may be broken (a hyphen added)."""
    if len(word) < MIN_WORD or word.isupper() or not word.isalpha():
        return ()
    return _positions(word, lang)


@functools.lru_cache(maxsize=1 << 16)
def _positions(word: str, lang: str) -> tuple[int, ...]:
    if lang == "kk":
        found = kazakh_breaks(word)
    elif dictionary(lang):
        found = tuple(_pyphen(lang).positions(word))
    else:
        return ()
    return tuple(p for p in found if LEFT <= p <= len(word) - RIGHT)


@functools.cache
def dictionary(lang: str) -> str | None:
    """The pyphen (TeX/LibreOffice) patterns ``lang`` is hyphenated with, if there are
    any: en and ru, and for a language a workspace adds, the ones pyphen ships for it
    (``de``, ``fr``, ``uk``; none for ``uz``: its lines then break between words only)."""
    if lang in _PYPHEN:
        return _PYPHEN[lang]
    if lang == "kk":
        return None
    import pyphen

    return pyphen.language_fallback(lang)  # type: ignore[no-any-return]


def hyphenates(lang: str) -> bool:
    """Whether long words of ``lang`` are broken at line ends (with a hyphen)."""
    return lang == "kk" or dictionary(lang) is not None


@functools.cache
def _pyphen(lang: str) -> object:
    import pyphen

    name = dictionary(lang)
    path = pyphen.LANGUAGES[pyphen.language_fallback(name)]
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = _patterns(path)
    return pyphen.Pyphen(lang=name, left=LEFT, right=RIGHT)


def _patterns(path: Path) -> object:
    """pyphen's parsed patterns of one dictionary file, kept in the cache folder:
    parsing the file takes some 40 ms of every build's start, reading the parsed
    patterns back 4 (keyed by the file's bytes and pyphen's version)."""
    import pickle

    import pyphen

    from kzru_reports import cache

    def read_back(data: bytes) -> object | None:
        kept = pickle.loads(data)
        return kept if isinstance(kept, pyphen.HyphDict) else None

    name = cache.entry_name("pickle", "hyphenation", pyphen.__version__, path.read_bytes())
    return cache.kept(
        "hyphenation",
        name,
        lambda: pyphen.HyphDict(path),
        lambda parsed: pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL),
        read_back,
    )


_IOTATED = frozenset("яюеёЯЮЕЁ")
# Consonant pairs that begin syllables of Russian loanwords (стан, тр, пр...).
_ONSETS = frozenset(
    ("ст", "сп", "ск", "тр", "пр", "кр", "гр", "бр", "др", "вр", "фр", "пл", "кл", "бл", "гл")
)


def _onset(word: str, at: int) -> bool:
    return word[at : at + 2].lower() in _ONSETS


def warm(lang: str) -> None:
    """Load ``lang``'s patterns now (before a build forks its workers)."""
    if dictionary(lang):
        _pyphen(lang)


def kazakh_breaks(word: str) -> tuple[int, ...]:
    """Syllable boundaries of a Kazakh (Cyrillic) word, as indexes."""
    vowel = [False] * len(word)
    for i, ch in enumerate(word):
        if ch in _KK_VOWELS:
            glide = ch in _GLIDES and i > 0 and vowel[i - 1]
            vowel[i] = not glide
    nuclei = [i for i, v in enumerate(vowel) if v]
    out = []
    for a, b in itertools.pairwise(nuclei):
        # the consonants between two vowels, a soft or hard sign kept with the one before
        consonants = [i for i in range(a + 1, b) if word[i] not in _SIGNS]
        if not consonants:
            if word[b] in _IOTATED:
                continue  # "ия", "ию": never split (де-ле-га-ция, стра-те-гия-лық)
            cut = b  # two vowels meet: ре-ак-ция
        elif len(consonants) >= 3 and _onset(word, consonants[-2]):
            cut = consonants[-2]  # a borrowed onset: Қа-зақ-стан, ин-дуст-рия
        else:
            cut = consonants[-1]  # the last consonant starts the next syllable
        if word[cut - 1 : cut] == "-" or word[cut : cut + 1] in _SIGNS:
            continue
        out.append(cut)
    return tuple(out)


def soft_hyphens(text: str, lang: str) -> str:
    """``text`` with a soft hyphen at each break point of every word of at least
    ``MIN_HYPHENATED`` letters. Addresses,
    e-mails and runs longer than a line (``https://...``) are left to reportlab,
    which breaks them at slashes or, failing that, anywhere.

    Both writers ask for the same texts (and a resident engine for the same texts
    again at each render), so results are kept, per text and language."""
    return _soft_hyphens(text, lang) if len(text) <= _KEPT_TEXT else _hyphenate(text, lang)


_KEPT_TEXT = 1000  # characters: longer texts are hyphenated each time, never kept


@memo.cached(1 << 11)
def _soft_hyphens(text: str, lang: str) -> str:
    return _hyphenate(text, lang)


def _hyphenate(text: str, lang: str) -> str:
    def token(m: re.Match[str]) -> str:
        run = m.group()
        if len(run) > _LONGEST or _NOT_PROSE.search(run) or _before_markup(text, m.end()):
            return run
        return _WORD.sub(mark, run)

    def mark(m: re.Match[str]) -> str:
        word = m.group()
        if len(word) < MIN_HYPHENATED:
            return word
        return _marked(word, lang)

    return _RUN.sub(token, text)


@functools.lru_cache(maxsize=1 << 16)
def _marked(word: str, lang: str) -> str:
    cuts = positions(word, lang)
    if not cuts:
        return word
    pieces = [word[i:j] for i, j in zip((0, *cuts), (*cuts, len(word)), strict=True)]
    return SOFT_HYPHEN.join(pieces)


_AFTER_SPACE = re.compile(r"\s+(.?)", re.DOTALL)


def _before_markup(text: str, end: int) -> bool:
    """Whether a space and then the end of this text, or a character the writer
    escapes, follow ``text[:end]``: reportlab (4.x) drops the space after a word with
    soft hyphens when the next word starts a new run of markup ("Corridor &amp;"
    came out "Corridor&"), so such a word keeps no soft hyphens."""
    m = _AFTER_SPACE.match(text, end)  # matched in place: no copy of the rest
    return m is not None and (not m.group(1) or m.group(1) in "&<>")


def hyphenated(word: str, lang: str) -> str:
    """``word`` with a hyphen at every break (for tests and the documentation)."""
    cuts = positions(word, lang)
    return "-".join(word[i:j] for i, j in zip((0, *cuts), (*cuts, len(word)), strict=True))
