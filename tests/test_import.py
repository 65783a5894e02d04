"""CSV imports from CRM exports, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from acct_tui.models import Account, Activity, AuditEntry, Contact, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports import DateOrder, ImportOptions, run_import
from acct_tui.services.store.derived import refresh_accounts
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts
from acct_tui.services.writes.agents import add_agent

DATA = Path(__file__).parent / "data"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def account_rows() -> list[tuple[Any, ...]]:
    with reading():
        return list(
            Account.select(Account.name, Account.external_id, Account.domain, Account.arr, Account.currency)
            .order_by(Account.name)
            .tuples()
        )


def test_salesforce_accounts_export_imports_without_a_mapping(ctx: Ctx) -> None:
    """A Salesforce accounts report (BOM, CRLF, quoted commas, $ and EUR amounts, any script) imports as is."""
    report = run_import(ctx, "accounts", DATA / "salesforce_accounts.csv")
    assert report.ok and report.written, report.errors
    assert report.created == 3
    assert report.columns["name"] == "Account Name" and report.columns["owner"] == "Account Owner"
    assert report.columns["stage"] == "Type" and report.columns["country"] == "Billing Country"
    assert report.ignored_columns == []
    rows = {name: (ext, domain, Decimal(str(arr)), cur) for name, ext, domain, arr, cur in account_rows()}
    assert rows["Kestrel Freight, Inc."] == ("0015g00000AbCdE", "kestrelfreight.com", Decimal("1250000"), "USD")
    assert rows["Nordlicht Logistik GmbH"][2:] == (Decimal("480000"), "EUR")
    assert rows["株式会社サクラ"][2:] == (Decimal("12000000"), "JPY")


def test_hubspot_companies_with_semicolons_and_decimal_commas(ctx: Ctx) -> None:
    """A HubSpot export with ; delimiters, a quoted ; in a name and 12.500,50 € amounts reads right."""
    report = run_import(ctx, "accounts", DATA / "hubspot_companies.csv")
    assert report.ok, report.errors
    assert report.delimiter == ";"
    rows = {name: (ext, Decimal(str(arr)), cur) for name, ext, _d, arr, cur in account_rows()}
    assert rows["Blue Harbor Media"] == ("9001", Decimal("12500.50"), "EUR")
    assert rows["Riverside; Sons"] == ("9002", Decimal("7200.00"), "GBP")
    assert rows["Zenith Solar"][1] == Decimal("0")


def test_contacts_tab_separated_attach_to_accounts_by_crm_id(ctx: Ctx) -> None:
    """Tab-separated contacts find their account by the CRM's account id; the first becomes primary."""
    run_import(ctx, "accounts", DATA / "salesforce_accounts.csv")
    report = run_import(ctx, "contacts", DATA / "salesforce_contacts.tsv")
    assert report.ok and report.created == 3, report.errors
    assert report.delimiter == "\t"
    with reading():
        hanako = Contact.get(Contact.email == "hanako@sakura.co.jp")
        assert hanako.name == "花子 山田" and hanako.role == "部長" and hanako.is_primary
        assert hanako.account.name == "株式会社サクラ"
        assert "jane doe" in Account.get(Account.external_id == "0015g00000AbCdE").search_text


def test_bad_rows_are_all_reported_and_nothing_is_imported(ctx: Ctx, tmp_path: Path) -> None:
    """Every bad row is reported with its line, column and reason, and no row at all is written."""
    path = write(
        tmp_path,
        "bad.csv",
        "Account Name,Website,Annual Revenue,Account Owner\n"
        "Good Co,good.com,100,\n"
        ",nameless.com,5,\n"
        "Bad Money,bad.com,lots,\n"
        '"Multi\nLine",ml.com,1,\n'
        "Nobody Owns,no.com,1,ghost\n"
        "Escape \x1b[31mRed,red.com,1,\n",
    )
    report = run_import(ctx, "accounts", path, ImportOptions(strict_owners=True))
    assert not report.ok and not report.written
    found = {(e.line, e.column) for e in report.errors}
    assert found == {
        (3, "Account Name"),
        (4, "Annual Revenue"),
        (5, "Account Name"),
        (7, "Account Owner"),
        (8, "Account Name"),
    }
    reasons = " ".join(e.reason for e in report.errors)
    assert "required" in reasons and "not an amount" in reasons and "single line" in reasons
    assert "no agent 'ghost'" in reasons and "escape character" in reasons
    assert account_rows() == []
    with reading():
        assert AuditEntry.select().count() == 0


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(ctx: Ctx, tmp_path: Path) -> None:
    """--skip-invalid: good rows go in, bad rows land in the rejects file with their line and reasons."""
    path = write(tmp_path, "mixed.csv", "Company name,Annual Revenue\nAlpha,10\nBeta,ten\nGamma,30\n")
    rejects = tmp_path / "rejects.csv"
    report = run_import(ctx, "accounts", path, ImportOptions(skip_invalid=True), rejects=rejects)
    assert report.ok and report.created == 2 and report.rejected == 1
    assert [r[0] for r in account_rows()] == ["Alpha", "Gamma"]
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Company name", "Annual Revenue", "import line", "import errors"]
    assert rows[1][:3] == ["Beta", "ten", "3"] and "Annual Revenue" in rows[1][3]


def test_a_second_import_updates_instead_of_duplicating(ctx: Ctx, tmp_path: Path) -> None:
    """Re-importing matches by external id, then domain, then name; --update-existing writes only what changed."""
    first = write(
        tmp_path, "a.csv", "Account ID,Account Name,Website,Annual Revenue\nA1,Acme,acme.com,100\n,Beta,beta.com,5\n"
    )
    run_import(ctx, "accounts", first)
    again = run_import(ctx, "accounts", first)
    assert again.created == 0 and again.existing_skipped == 2 and not again.written
    second = write(
        tmp_path,
        "b.csv",
        "Account ID,Account Name,Website,Annual Revenue\nA1,Acme Corp,acme.com,200\nB2,Beta,beta.com,5\n",
    )
    report = run_import(ctx, "accounts", second, ImportOptions(update_existing=True))
    assert report.ok and report.created == 0 and report.updated == 2, report.errors
    rows = account_rows()
    assert [(r[0], r[1], Decimal(str(r[3]))) for r in rows] == [
        ("Acme Corp", "A1", Decimal("200")),
        ("Beta", "B2", Decimal("5")),
    ]
    with reading():
        entries = list(AuditEntry.select().where(AuditEntry.change_id == report.change_id))
        acme = Account.get(Account.external_id == "A1")
        assert acme.version == 2 and acme.sort_name == "acme corp" and "acme corp" in acme.search_text
    assert len(entries) == 2 and {e.action for e in entries} == {"update"}
    changed = {e.summary: json.loads(e.after) for e in entries}
    assert {"name": "Acme Corp", "arr": "200.00"} in changed.values()


def test_dry_run_writes_nothing(ctx: Ctx, tmp_path: Path) -> None:
    """A dry run checks and counts but leaves the database as it was."""
    path = write(tmp_path, "a.csv", "Account Name\nOne\nTwo\n")
    report = run_import(ctx, "accounts", path, ImportOptions(dry_run=True))
    assert report.ok and report.created == 2 and not report.written
    assert "dry run" in report.summary()
    assert account_rows() == []


def test_one_transaction_one_change_id_and_derived_columns(ctx: Ctx, tmp_path: Path) -> None:
    """An import is one audit change; new accounts carry the health the app would compute."""
    path = write(
        tmp_path, "a.csv", "Account Name,Tier,Renewal Date,Satisfaction\nPlat,platinum,2026-12-10,9\nBronze,bronze,,\n"
    )
    report = run_import(ctx, "accounts", path)
    with reading():
        entries = list(AuditEntry.select())
        rows = {a.name: a for a in Account.select()}
    assert {e.change_id for e in entries} == {report.change_id} and len(entries) == 2
    before = {n: (a.health_score, a.health_band, a.cadence_days, a.health_next_change) for n, a in rows.items()}
    with database_proxy.connection_context(), database_proxy.atomic():
        refresh_accounts([a.id for a in rows.values()], ctx.today, ctx.policy, search_ids=[a.id for a in rows.values()])
    with reading():
        after = {
            a.name: (a.health_score, a.health_band, a.cadence_days, a.health_next_change) for a in Account.select()
        }
        texts = {a.name: a.search_text for a in Account.select()}
    assert before == after
    assert texts["Plat"] == "plat"


def test_regional_dates_are_read_per_column(ctx: Ctx, tmp_path: Path) -> None:
    """25/03 makes a column day-first, 03/25 month-first; a column that reads both ways is refused unless told."""
    day_first = write(tmp_path, "d.csv", "Account Name,Renewal Date\nA,01/02/2027\nB,25/03/2027\n")
    run_import(ctx, "accounts", day_first)
    with reading():
        assert Account.get(Account.name == "A").renewal_on == dt.date(2027, 2, 1)
    ambiguous = write(tmp_path, "m.csv", "Account Name,Renewal Date\nC,01/02/2027\nD,03/04/2027\n")
    report = run_import(ctx, "accounts", ambiguous)
    assert not report.ok and report.errors[0].fatal and "--dates" in report.errors[0].reason
    report = run_import(ctx, "accounts", ambiguous, ImportOptions(date_order=DateOrder.MONTH_FIRST))
    assert report.ok
    with reading():
        assert Account.get(Account.name == "C").renewal_on == dt.date(2027, 1, 2)


def test_activities_and_followups_from_hubspot_and_salesforce(ctx: Ctx, tmp_path: Path) -> None:
    """A HubSpot calls export becomes calls that reset the cadence; Salesforce tasks become follow-ups."""
    accounts.create_account(ctx, {"name": "Acme", "tier": "gold"})
    calls = write(
        tmp_path,
        "calls.csv",
        "Call Title,Call notes,Activity date,Associated Company,Call direction,Call outcome\r\n"
        'QBR,"Went well.\r\nRenewal likely.",11/20/2026 2:30 PM,Acme,OUTBOUND,Connected\r\n'
        ',"Left a voicemail",11/21/2026 9:00 AM,Acme,INBOUND,\r\n',
    )
    report = run_import(ctx, "activities", calls)
    assert report.ok and report.created == 2, report.errors
    tasks = write(
        tmp_path,
        "tasks.csv",
        "Subject,Due Date,Priority,Status,Assigned,Company / Account,Type\n"
        "Send renewal quote,12/15/2026,High,Not Started,manager,Acme,Call\n"
        "Old task,11/01/2026,Normal,Completed,,Acme,Email\n",
    )
    report = run_import(ctx, "followups", tasks)
    assert report.ok and report.created == 2, report.errors
    with reading():
        acts = {a.summary: a for a in Activity.select()}
        assert acts["QBR"].kind == "call" and acts["QBR"].body == "Went well.\nRenewal likely."
        assert acts["Left a voicemail"].direction == "inbound" and acts["QBR"].outcome == "Connected"
        items = {f.title: f for f in FollowUp.select()}
        assert items["Send renewal quote"].priority == "high" and items["Send renewal quote"].status == "open"
        assert items["Old task"].status == "done" and items["Old task"].completed_at is not None
        acme = Account.get(Account.name == "Acme")
        assert acme.last_touch_at is not None and acme.next_followup_on == dt.date(2026, 12, 15)
    again = run_import(ctx, "activities", calls)
    assert again.created == 0 and again.existing_skipped == 2


def test_children_only_reach_accounts_the_agent_can_see(ctx: Ctx, clock: Any, tmp_path: Path) -> None:
    """An agent's import cannot attach a contact to someone else's account, nor match it by id."""
    accounts.create_account(ctx, {"name": "Secret", "external_id": "S1"})
    agent = add_agent(ctx, "sam")
    sam = Ctx(agent=agent, clock=clock)
    contacts = write(tmp_path, "c.csv", "Name,Email,Account Name\nSpy,spy@x.com,Secret\n")
    report = run_import(sam, "contacts", contacts)
    assert not report.ok and "no account you can see" in report.errors[0].reason
    clash = write(tmp_path, "a.csv", "Account ID,Account Name\nS1,Mine now\n")
    report = run_import(sam, "accounts", clash, ImportOptions(update_existing=True))
    assert not report.ok and "already the external id of another account" in report.errors[0].reason
    with reading():
        assert Account.get(Account.external_id == "S1").name == "Secret"


def test_duplicates_inside_one_file_are_refused(ctx: Ctx, tmp_path: Path) -> None:
    """Two rows for one account in one file is a mistake to report, not to merge."""
    path = write(tmp_path, "d.csv", "Account ID,Account Name\nX1,One\nX1,Two\n")
    report = run_import(ctx, "accounts", path)
    assert [(e.line, e.reason) for e in report.errors] == [(3, "the same external id as line 2")]


def test_mapping_and_unreadable_files(ctx: Ctx, tmp_path: Path) -> None:
    """--map feeds odd columns; a missing column, a workbook or a broken quote is a clear error."""
    odd = write(tmp_path, "odd.csv", "Who,Money\nAcme,5\n")
    with pytest.raises(ValidationError, match="no column for name"):
        run_import(ctx, "accounts", odd)
    report = run_import(ctx, "accounts", odd, ImportOptions(mapping={"Who": "name", "Money": "arr"}))
    assert report.ok and report.created == 1
    with pytest.raises(ValidationError, match="not a field of accounts"):
        run_import(ctx, "accounts", odd, ImportOptions(mapping={"Who": "nom"}))
    workbook = tmp_path / "book.csv"
    workbook.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValidationError, match="workbook"):
        run_import(ctx, "accounts", workbook)
    broken = write(tmp_path, "broken.csv", 'Account Name\n"Acme\nBeta\n')
    with pytest.raises(ValidationError, match="line 2: the quoting is broken"):
        run_import(ctx, "accounts", broken)


def test_windows_1252_files_are_read(ctx: Ctx, tmp_path: Path) -> None:
    """A file Excel saved as Windows-1252 is read, and the report says so."""
    path = write(tmp_path, "w.csv", "Account Name;Annual Revenue\nCafé Müller;1.000,00 €\n", encoding="cp1252")
    report = run_import(ctx, "accounts", path)
    assert report.ok and report.encoding == "cp1252" and report.notes
    assert account_rows()[0][0] == "Café Müller"


def test_progress_is_reported_by_phase(ctx: Ctx, tmp_path: Path) -> None:
    """The progress callback sees each phase reach its total."""
    path = write(tmp_path, "p.csv", "Account Name\n" + "".join(f"Co {i}\n" for i in range(4500)))
    seen: dict[str, tuple[int, int]] = {}
    report = run_import(
        ctx, "accounts", path, progress=lambda phase, done, total: seen.__setitem__(phase, (done, total))
    )
    assert report.created == 4500
    assert seen["checking"] == (4500, 4500) and seen["writing"] == (4500, 4500)
    with reading():
        from acct_tui.services.reads.portfolio import text_clause

        assert Account.select().where(text_clause("co 4499")).count() == 1


def test_data_services_do_not_import_textual() -> None:
    """The import, export, brief and backup services (and their verbs) load without Textual."""
    import subprocess
    import sys

    code = (
        "import sys, acct_tui.services.io.imports, acct_tui.services.io.exports, acct_tui.services.io.brief, "
        "acct_tui.services.io.backup, acct_tui.verbs.data; print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_an_import_is_undone_as_one_change(ctx: Ctx, tmp_path: Path) -> None:
    """Undo after an import removes everything it created, as one change."""
    from acct_tui.services.store.undo import undo_last

    accounts.create_account(ctx, {"name": "Kept"})
    path = write(tmp_path, "a.csv", "Account Name,Website\nOne,one.com\nTwo,two.com\n")
    report = run_import(ctx, "accounts", path)
    assert report.created == 2
    undo_last(ctx)
    assert [r[0] for r in account_rows()] == ["Kept"]


def test_a_clash_while_writing_rolls_everything_back(ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the database refuses a write midway, nothing of the import stays and the error says to run it again."""
    from peewee import IntegrityError

    from acct_tui.services.errors import Conflict
    from acct_tui.services.io.imports import accounts as account_import

    original = account_import.write

    def clash(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(account_import, "write", clash)
    path = write(tmp_path, "a.csv", "Account Name\nOne\nTwo\n")
    with pytest.raises(Conflict, match="nothing was imported"):
        run_import(ctx, "accounts", path)
    assert account_rows() == []
    with reading():
        assert AuditEntry.select().count() == 0
