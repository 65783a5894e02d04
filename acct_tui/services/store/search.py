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

A list (the portfolio's filtered rows) holds at most `LIST_LIMIT` matches:
`first_matches` takes them in account order as the full-text index yields
them, the rest of the query's conditions tested on the way, and stops there;
the page is then sorted from those. A filter's cost is so bounded by the
limit, not by how many of a million accounts share a prefix; more than that
many matches reads as "1,000+" and typing another letter narrows. Counts and
totals asked for outside a list (`word_clause`) still see every match.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from peewee import SQL, Expression, Table

from acct_tui.models import Account, database_proxy

LIST_LIMIT = 1_000
"""The most matches a filtered list holds; beyond it the list says so and typing narrows."""
_FTS = Table("account_fts", alias="account_fts").bind(database_proxy)
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


@functools.cache
def _cjk() -> re.Pattern[str]:
    """Han, kana and Hangul (compiled on first use: start-up never needs it)."""
    return re.compile(
        "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
        "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
        "\U00020000-\U0003134f]"
    )


def is_cjk(word: str) -> bool:
    """Whether the word holds Han, kana or Hangul: text written without spaces between words."""
    return _cjk().search(word) is not None


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


def word_clause(text: str) -> Expression | None:
    """A where-clause on Account for the typed words (every match), or None when nothing was typed."""
    from acct_tui.db import is_postgres

    words = words_of(text)
    if not words:
        return None
    if is_postgres():
        return _like_clause(words)
    spaced = [w for w in words if not is_cjk(w)]
    indexed: Expression | None = None
    if spaced:
        indexed = Account.id.in_(SQL("(SELECT rowid FROM account_fts WHERE account_fts MATCH ?)", [_fts_query(spaced)]))
    if len(spaced) == len(words):
        assert indexed is not None
        return indexed
    # CJK words are tested on the row; the others, if any, narrow it through the index first.
    anywhere = _like_clause([w for w in words if is_cjk(w)])
    return anywhere if indexed is None else indexed & anywhere


def list_limit() -> int:
    """The most matches a filtered list holds (read when asked, so a test may lower it)."""
    return LIST_LIMIT


def bounded_lists() -> bool:
    """Whether a filtered list holds at most `list_limit()` matches: on SQLite, whose full-text index
    yields matches in id order. PostgreSQL's trigram index does not, and finding the first thousand
    by id there walked the table (70 ms at 100k against 10 for the sorted page): it lists every match."""
    from acct_tui.db import is_postgres

    return not is_postgres()


def first_matches(ids: Any, text: str, limit: int | None = None) -> Any:
    """The first `limit` ids of `ids` (a select of Account.id) whose words match `text`, by id.

    On SQLite the full-text index drives: its matches come in id order and each
    is tested against the rest of `ids`' conditions until `limit` are found, so
    the cost follows the limit, not the book. One-letter words (the index holds
    prefixes of two and three letters) and PostgreSQL walk the accounts by id
    and test the row instead: a common word fills the limit within a few rows.
    """
    from acct_tui.db import is_postgres

    limit = list_limit() if limit is None else limit
    words = words_of(text)
    spaced = [w for w in words if not is_cjk(w)]
    anywhere = [w for w in words if is_cjk(w)]
    if anywhere:
        ids = ids.where(_like_clause(anywhere))
    if is_postgres() or (spaced and all(len(w) == 1 for w in spaced)):
        if spaced:
            ids = ids.where(_like_clause(spaced))
        return ids.order_by(Account.id).limit(limit)
    if spaced and ids._where is None and not anywhere:
        # Nothing else to test (an admin's plain filter): the index alone names them.
        match = Expression(_FTS.c.search_text, "MATCH", _fts_query(spaced))
        return _FTS.select(_FTS.c.rowid).where(match).limit(limit)
    if spaced:
        ids = ids.join(_FTS, on=(_FTS.c.rowid == Account.id)).where(
            Expression(_FTS.c.search_text, "MATCH", _fts_query(spaced))
        )
        return ids.order_by(_FTS.c.rowid).limit(limit)
    return ids.order_by(Account.id).limit(limit)
