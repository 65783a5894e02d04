"""The live filter: words typed match the starts of words in an account's name,
domain, industry or contacts' names.

Search text is stored normalised (case folded, accents removed, anything not
a letter or digit turned into a space), so the same word test can run in
three ways and agree: a SQLite FTS5 prefix query, a LIKE on the row, or a
PostgreSQL trigram-indexed LIKE.

Chinese, Japanese and Korean are written without spaces, so FTS5's unicode61
tokeniser keeps a run of them as one token and a prefix query finds only a
run's start: "テスト" would never find "株式会社テスト". A CJK word therefore
matches anywhere in the text (a LIKE on the row), while the other words typed
with it still go through the full-text index and narrow the rows first.

For a page of results the cheapest way depends on how common the words are.
A rare word is best found through the full-text index, then sorted; a
common one is best found by walking the sort index and testing each row,
because a page fills within a few rows. `word_clause` asks the full-text
index how many rows match (up to a cap) and picks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from peewee import SQL, Expression

from acct_tui.models import Account, database_proxy

# Above this many matches a page is found faster by walking the sort index.
COMMON_MATCHES = 20_000
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


_ASCII_WORDS = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Case folded, without accents, words separated by single spaces."""
    if text.isascii():
        return _ASCII_WORDS.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", stripped).strip()


def search_text(name: str, domain: str | None, industry: str, contacts: Iterable[str]) -> str:
    """What the live filter matches, one string per account."""
    return normalise(" ".join(p for p in (name, domain or "", industry, *contacts) if p))


def words_of(text: str) -> list[str]:
    return normalise(text).split()


_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f]"
)


def is_cjk(word: str) -> bool:
    """Whether the word holds Han, kana or Hangul: text written without spaces between words."""
    return _CJK.search(word) is not None


def _fts_query(words: list[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)


def _like_clause(words: list[str]) -> Expression:
    clause: Expression | None = None
    for word in words:
        if is_cjk(word):
            term = Account.search_text.contains(word)  # anywhere: CJK words are not spaced apart
        else:
            term = (Account.search_text.startswith(word)) | (Account.search_text.contains(f" {word}"))
        clause = term if clause is None else clause & term
    assert clause is not None  # the callers pass at least one word
    return clause


def fts_matches(words: list[str], cap: int = COMMON_MATCHES) -> int:
    """How many accounts match, counting no further than `cap` (SQLite only)."""
    cursor = database_proxy.execute_sql(
        "SELECT count(*) FROM (SELECT rowid FROM account_fts WHERE account_fts MATCH ? LIMIT ?)",
        (_fts_query(words), cap),
    )
    return int(cursor.fetchone()[0])


def word_clause(text: str, *, for_page: bool = False) -> Expression | None:
    """A where-clause on Account for the typed words, or None when nothing was typed.

    `for_page` lets a common word be tested row by row along the sort index
    instead of through the full-text index.
    """
    from acct_tui.db import is_postgres

    words = words_of(text)
    if not words:
        return None
    if is_postgres():
        return _like_clause(words)
    spaced = [w for w in words if not is_cjk(w)]
    if len(spaced) < len(words):
        # The CJK words are tested on the row; the others, if any, narrow it through the index first.
        anywhere = _like_clause([w for w in words if is_cjk(w)])
        return anywhere if not spaced else word_clause(" ".join(spaced), for_page=for_page) & anywhere
    # One letter is always common; longer words are counted (the index has 2- and 3-letter prefixes).
    if for_page and (all(len(w) == 1 for w in words) or fts_matches(words) >= COMMON_MATCHES):
        return _like_clause(words)
    return Account.id.in_(SQL("(SELECT rowid FROM account_fts WHERE account_fts MATCH ?)", [_fts_query(words)]))
