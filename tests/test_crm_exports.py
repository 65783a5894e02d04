"""Real CRM exports (Salesforce, HubSpot, a plain spreadsheet) import as they come out of the CRM.

The files under tests/data are written in each CRM's own shape: Salesforce's
Data Export (every field quoted, API column names, BOM, CRLF, user ids as
owners), HubSpot's export re-saved by a European Excel (semicolons, 1.250.000,00
amounts, day-first dotted dates), multi-line quoted fields and scripts beyond Latin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from acct_tui.models import Account, Activity, Contact, FollowUp, database_proxy
from acct_tui.services.context import Ctx
from acct_tui.services.errors import ValidationError
from acct_tui.services.io.imports import ImportOptions, parse_owner_map, run_import
from acct_tui.services.io.imports.touches import LAST_ACTIVITY_PREFIX
from acct_tui.services.store.derived import refresh_accounts
from acct_tui.services.store.unit import reading
from acct_tui.services.writes import accounts, followups
from acct_tui.services.writes.agents import add_agent

DATA = Path(__file__).parent / "data"
SF_OWNER, SF_OWNER_2 = "0055g00000XyZ1AAA", "0055g00000QqR2BBB"


def account(external_id: str) -> Account:
    with reading():
        return Account.get(Account.external_id == external_id)


def markers() -> list[tuple[int, dt.datetime]]:
    with reading():
        query = Activity.select(Activity.account, Activity.occurred_at).where(
            Activity.external_id.startswith(LAST_ACTIVITY_PREFIX)
        )
        return sorted((a, m) for a, m in query.tuples())


def test_salesforce_account_export_imports_whole(ctx: Ctx) -> None:
    """Every row of a Salesforce Account export goes in: its Id, Type, phone, city, country, employees and dates."""
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    assert report.ok and report.written and report.created == 5, report.errors
    assert report.ignored_columns == []
    assert report.columns["external_id"] == "Id" and report.columns["last_activity"] == "LastActivityDate"
    kestrel = account("0015g00000KfA1QAAV")
    assert (kestrel.name, kestrel.stage, kestrel.phone, kestrel.city, kestrel.country, kestrel.employees) == (
        "Kestrel Freight, Inc.",
        "active",
        "(303) 555-0142",
        "Denver",
        "United States",
        320,
    )
    assert kestrel.client_since == dt.date(2021, 3, 14) and Decimal(str(kestrel.arr)) == Decimal("1250000")
    assert kestrel.notes == 'Key account.\nRenewal talks in Q1; "net 60" terms.'
    assert kestrel.domain == "kestrelfreight.com"
    sakura = account("0015g00000KfA3QAAV")
    assert (sakura.name, sakura.stage, sakura.city, sakura.country) == (
        "株式会社サクラ",
        "onboarding",
        "大阪市",
        "日本",
    )
    assert account("0015g00000KfA5QAAV").stage == "active"  # "Channel Partner / Reseller"
    assert account("0015g00000KfA4QAAV").employees is None


def test_crm_owner_ids_default_to_the_importing_agent_and_are_reported(ctx: Ctx) -> None:
    """Salesforce user ids as owners do not reject rows: the importer owns them, and the report says which."""
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    assert report.ok and report.created == 5
    assert report.owners_defaulted == {SF_OWNER: 3, SF_OWNER_2: 2}
    note = next(n for n in report.notes if "not an agent" in n)
    assert "5 rows" in note and SF_OWNER in note and "--owner-map" in note and "--strict-owners" in note
    assert account("0015g00000KfA2QAAV").owner_id == ctx.agent.id
    assert report.as_json()["owners_defaulted"] == {SF_OWNER: 3, SF_OWNER_2: 2}


def test_strict_owners_keeps_the_refusal(ctx: Ctx) -> None:
    """--strict-owners refuses every row whose owner is neither an agent nor mapped, and writes nothing."""
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv", ImportOptions(strict_owners=True))
    assert not report.ok and not report.written and report.rejected == 5
    assert {e.column for e in report.errors} == {"OwnerId"}
    assert "--owner-map" in report.errors[0].reason


def test_owner_map_inline_and_from_a_file(ctx: Ctx, tmp_path: Path) -> None:
    """--owner-map maps CRM owners to logins, inline or from a CSV file; a login that is no agent is refused."""
    add_agent(ctx, "maria")
    add_agent(ctx, "sam")
    inline = parse_owner_map(f"{SF_OWNER}=maria, {SF_OWNER_2}=sam")
    assert inline == {SF_OWNER: "maria", SF_OWNER_2: "sam"}
    mapping = tmp_path / "owners.csv"
    mapping.write_bytes(f"\ufeffSalesforce owner,login\r\n{SF_OWNER},maria\r\n{SF_OWNER_2},sam\r\n".encode())
    assert parse_owner_map(str(mapping)) == inline
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv", ImportOptions(owner_map=inline))
    assert report.ok and report.owners_defaulted == {}
    with reading():
        owners = {a.external_id: a.owner.login for a in Account.select()}
    assert owners["0015g00000KfA1QAAV"] == "maria" and owners["0015g00000KfA3QAAV"] == "sam"
    bad = run_import(ctx, "accounts", DATA / "sf_account_export.csv", ImportOptions(owner_map={SF_OWNER: "nobody"}))
    assert not bad.ok and bad.errors[0].fatal and "--owner-map" in bad.errors[0].column
    assert "skip-invalid" not in bad.summary() and "fix what is listed" in bad.summary()
    with pytest.raises(ValidationError, match="SOURCE=login"):
        parse_owner_map("not-a-file-nor-pairs")


def test_a_second_import_of_the_same_file_matches_by_crm_id(ctx: Ctx, tmp_path: Path) -> None:
    """Re-importing matches every row by the CRM's Id: nothing duplicates; with --update-existing changes apply."""
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    again = run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    assert again.ok and again.created == 0 and again.existing_skipped == 5 and not again.written
    text = (DATA / "sf_account_export.csv").read_text(encoding="utf-8-sig")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(text.replace("Kestrel Freight, Inc.", "Kestrel Freight Holdings"), encoding="utf-8-sig")
    report = run_import(ctx, "accounts", renamed, ImportOptions(update_existing=True))
    assert report.ok and report.created == 0 and report.updated == 1 and report.unchanged == 4, report.errors
    with reading():
        assert Account.select().count() == 5
    assert account("0015g00000KfA1QAAV").name == "Kestrel Freight Holdings"
    assert len(markers()) == 3


def test_an_update_keeps_an_owner_given_in_the_app(ctx: Ctx, tmp_path: Path) -> None:
    """A re-import whose owner names no agent leaves an account reassigned in acct-tui with its new owner."""
    maria = add_agent(ctx, "maria")
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    kestrel = account("0015g00000KfA1QAAV")
    accounts.handoff(ctx, kestrel.id, maria.id, "Yours from now on")
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv", ImportOptions(update_existing=True))
    assert report.ok and report.updated == 0, report.errors
    assert account("0015g00000KfA1QAAV").owner_id == maria.id


def test_last_activity_date_sets_the_last_touch_and_cadence(ctx: Ctx) -> None:
    """LastActivityDate becomes the last touch (one entry marked imported); the cadence and health follow it."""
    report = run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    assert any("last activity date in the future" in n for n in report.notes)
    kestrel = account("0015g00000KfA1QAAV")
    assert kestrel.last_touch_at == dt.datetime(2026, 11, 2, 12, 0)
    assert kestrel.touch_due_on == dt.date(2026, 11, 2) + dt.timedelta(days=kestrel.cadence_days)
    assert account("0015g00000KfA3QAAV").last_touch_at is None  # 2026-12-10: a planned event, not a touch
    with reading():
        entry = Activity.get(Activity.external_id == f"{LAST_ACTIVITY_PREFIX}{kestrel.id}")
    assert "imported" in entry.summary and entry.outcome == "imported"
    before = {
        a: (account(a).health_score, account(a).touch_due_on) for a in ("0015g00000KfA1QAAV", "0015g00000KfA5QAAV")
    }
    with database_proxy.connection_context(), database_proxy.atomic():
        with reading():
            ids = [a.id for a in Account.select()]
        refresh_accounts(ids, ctx.today, ctx.policy)
    after = {a: (account(a).health_score, account(a).touch_due_on) for a in before}
    assert before == after  # what the import computed is what the services compute


def test_a_later_real_activity_wins_over_the_crm_date(ctx: Ctx, tmp_path: Path) -> None:
    """A call logged after the CRM's last activity becomes the last touch; an older one leaves the CRM date."""
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    kestrel = account("0015g00000KfA1QAAV")
    followups.log_activity(ctx, kestrel.id, {"kind": "call", "summary": "Old call"}, occurred_on="2026-10-01")
    assert account("0015g00000KfA1QAAV").last_touch_at == dt.datetime(2026, 11, 2, 12, 0)
    followups.log_activity(ctx, kestrel.id, {"kind": "call", "summary": "Check-in"})
    assert account("0015g00000KfA1QAAV").last_touch_at == ctx.now()


def test_a_later_crm_date_on_re_import_moves_the_touch_but_not_past_a_real_one(ctx: Ctx, tmp_path: Path) -> None:
    """A re-import with a later LastActivityDate moves the imported touch; one older than a logged call does not."""
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    nordlicht = account("0015g00000KfA2QAAV")
    text = (DATA / "sf_account_export.csv").read_text(encoding="utf-8-sig")
    later = tmp_path / "later.csv"
    later.write_text(text.replace('"2026-10-15"', '"2026-11-20"'), encoding="utf-8-sig")
    report = run_import(ctx, "accounts", later, ImportOptions(update_existing=True))
    assert report.ok, report.errors
    assert account("0015g00000KfA2QAAV").last_touch_at == dt.datetime(2026, 11, 20, 12, 0)
    assert len([m for m in markers() if m[0] == nordlicht.id]) == 1
    followups.log_activity(ctx, nordlicht.id, {"kind": "email", "summary": "Sent the offer"})
    again = run_import(ctx, "accounts", DATA / "sf_account_export.csv", ImportOptions(update_existing=True))
    assert again.ok
    assert account("0015g00000KfA2QAAV").last_touch_at == ctx.now()


def test_salesforce_contacts_tasks_and_events_resolve_crm_ids(ctx: Ctx) -> None:
    """Contacts find accounts by AccountId; tasks and events find them by AccountId and their contact by WhoId."""
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    contacts = run_import(ctx, "contacts", DATA / "sf_contact_export.csv")
    assert contacts.ok and contacts.created == 4, contacts.errors
    with reading():
        olga = Contact.get(Contact.external_id == "0035g00000CcA4QAAV")
        assert (olga.name, olga.role, olga.account.name) == ("Ольга Иванова", "Директор", "ООО «Северный Ветер»")
    tasks = run_import(ctx, "activities", DATA / "sf_task_export.csv")
    assert tasks.ok and tasks.created == 3, tasks.errors
    assert any("1 open task is" in n and "followups" in n for n in tasks.notes)  # due 2026-12-20: not history
    events = run_import(ctx, "activities", DATA / "sf_event_export.csv")
    assert events.ok and events.created == 2, events.errors
    with reading():
        acts = {a.external_id: a for a in Activity.select()}
        jane = Contact.get(Contact.external_id == "0035g00000CcA1QAAV")
        assert acts["00T5g00000TkA1QEAV"].kind == "call" and acts["00T5g00000TkA1QEAV"].contact_id == jane.id
        assert acts["00T5g00000TkA1QEAV"].body == "Talked scope.\nSend the quote."
        assert acts["00T5g00000TkA2QEAV"].kind == "email"  # no Type: TaskSubtype says Email
        assert acts["00T5g00000TkA3QEAV"].kind == "note" and acts["00T5g00000TkA3QEAV"].contact_id is None
        assert acts["00U5g00000EvA1QEAV"].kind == "meeting" and acts["00U5g00000EvA1QEAV"].contact_id == jane.id
        assert acts["00U5g00000EvA1QEAV"].occurred_at == dt.datetime(2026, 11, 24, 15, 0)
    assert account("0015g00000KfA1QAAV").last_touch_at == dt.datetime(2026, 11, 24, 15, 0)
    followups = run_import(ctx, "followups", DATA / "sf_open_task_export.csv")
    assert followups.ok and followups.created == 2, followups.errors
    assert followups.owners_defaulted == {SF_OWNER: 1, SF_OWNER_2: 1}
    with reading():
        quote = FollowUp.get(FollowUp.external_id == "00T5g00000TkB1QEAV")
        assert (quote.assignee_id, quote.priority, quote.status) == (ctx.agent.id, "high", "open")
        assert quote.account.external_id == "0015g00000KfA1QAAV"
    assert run_import(ctx, "activities", DATA / "sf_event_export.csv").created == 0


def test_hubspot_company_and_contact_exports(ctx: Ctx) -> None:
    """HubSpot's semicolon exports with European numbers and dotted dates import with their Record IDs."""
    report = run_import(ctx, "accounts", DATA / "hubspot_company_export.csv")
    assert report.ok and report.created == 3 and report.delimiter == ";", report.errors
    assert report.owners_defaulted == {"Maria López": 2}
    blue = account("7001")
    assert Decimal(str(blue.arr)) == Decimal("1250000.00") and blue.employees == 1200
    assert (blue.city, blue.country, blue.stage, blue.client_since) == (
        "Lisboa",
        "Portugal",
        "active",
        dt.date(2021, 3, 14),
    )
    assert blue.notes == "Agência criativa.\n«Cliente desde 2021»."
    assert blue.last_touch_at == dt.datetime(2026, 11, 2, 10, 30)
    assert account("7003").stage == "onboarding" and account("7002").name == "Riverside; Sons"
    contacts = run_import(ctx, "contacts", DATA / "hubspot_contact_export.csv")
    assert contacts.ok and contacts.created == 3, contacts.errors
    with reading():
        ines = Contact.get(Contact.external_id == "51")
        assert (ines.name, ines.role, ines.account.external_id) == ("Inês Gonçalves", "Diretora", "7001")
    again = run_import(ctx, "contacts", DATA / "hubspot_contact_export.csv", ImportOptions(update_existing=True))
    assert again.ok and again.created == 0 and again.unchanged == 3


def test_a_plain_spreadsheet_export(ctx: Ctx) -> None:
    """A spreadsheet with everyday column names (Name, Employees, Client since, Last contact) imports too."""
    report = run_import(ctx, "accounts", DATA / "plain_spreadsheet.csv")
    assert report.ok and report.created == 2, report.errors
    assert report.owners_defaulted == {"Pat Lee": 1}
    with reading():
        acme = Account.get(Account.name == "Acme Tools")
    assert (acme.employees, acme.client_since, acme.currency) == (1200, dt.date(2024, 3, 25), "GBP")
    assert acme.last_touch_at == dt.datetime(2026, 11, 2, 12, 0) and acme.phone == "+44 20 7946 0000"


def test_an_import_with_last_touches_is_undone_whole(ctx: Ctx) -> None:
    """Undo after an import with CRM last activities removes the accounts and their imported entries."""
    from acct_tui.services.store.undo import undo_last

    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    assert markers()
    undo_last(ctx)
    with reading():
        assert Account.select().count() == 0 and Activity.select().count() == 0


def test_dry_run_reports_each_column(ctx: Ctx) -> None:
    """A dry run says what becomes of each column, in the file's order, and writes nothing."""
    report = run_import(ctx, "accounts", DATA / "hubspot_company_export.csv", ImportOptions(dry_run=True))
    assert report.ok and report.created == 3 and not report.written
    plan = {column: (name, how) for column, name, how in report.column_plan()}
    assert plan["Record ID"] == ("external_id", "recognised") and plan["Type"] == ("", "ignored")
    assert [c for c, _n, _h in report.column_plan()][:2] == ["Record ID", "Company name"]
    assert markers() == []


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from acct_tui.cli import main
    from acct_tui.clock import FixedClock
    from tests.conftest import TODAY

    try:
        code = main(list(argv), clock=FixedClock.on(TODAY))
    finally:
        db: Any = database_proxy.obj
        if db is not None and not db.is_closed():
            db.close()
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_dry_run_and_owner_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`import --dry-run` prints each column's fate and the counts and exits 0; --owner-map and --strict-owners work."""
    url = str(tmp_path / "cli.db")
    file = str(DATA / "sf_account_export.csv")
    code, out, err = run_cli(capsys, "import", "accounts", file, "--db", url, "--agent", "boss", "--dry-run")
    assert code == 0, err
    assert "OwnerId" in out and "kept as owner" in out and "5 rows name no agent" in out
    assert "LastActivityDate" in out and "sets the last touch" in out and "5 rows: 5 new" in out
    code, out, err = run_cli(capsys, "import", "accounts", file, "--db", url, "--agent", "boss", "--strict-owners")
    assert code != 0 and "imported nothing" in err
    code, _out, err = run_cli(capsys, "agent", "add", "maria", "--db", url, "--agent", "boss")
    assert code == 0, err
    owner_map = f"{SF_OWNER}=maria,{SF_OWNER_2}=boss"
    code, out, err = run_cli(
        capsys, "import", "accounts", file, "--db", url, "--agent", "boss", "--owner-map", owner_map
    )
    assert code == 0 and "5 new" in out and "not an agent" not in err, err


def test_detail_card_and_account_show_carry_the_crm_details(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """After a Salesforce import the card holds phone, place, employees, client since; `account show` prints them."""
    import json

    url = str(tmp_path / "show.db")
    code, _out, err = run_cli(
        capsys, "import", "accounts", str(DATA / "sf_account_export.csv"), "--db", url, "--agent", "boss"
    )
    assert code == 0, err
    code, out, err = run_cli(capsys, "account", "show", "Kestrel Freight, Inc.", "--db", url, "--agent", "boss")
    assert code == 0, err
    assert "Denver, United States · 320 employees · (303) 555-0142 · client since 2021-03-14" in out
    code, out, err = run_cli(
        capsys, "account", "show", "Kestrel Freight, Inc.", "--json", "--db", url, "--agent", "boss"
    )
    data = json.loads(out)
    assert (data["city"], data["country"], data["employees"], data["client_since"]) == (
        "Denver",
        "United States",
        320,
        "2021-03-14",
    )


def test_salesforce_15_and_18_character_ids_name_the_same_record(ctx: Ctx, tmp_path: Path) -> None:
    """A report's 15-character ids find records a Data Export imported with 18, and HubSpot id lists their first."""
    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    run_import(ctx, "contacts", DATA / "sf_contact_export.csv")
    report = tmp_path / "report.csv"
    report.write_text(
        "Subject,Date,Account ID,Contact ID,Type\nShort id call,2026-11-25,0015g00000KfA1Q,0035g00000CcA1Q,Call\n",
        encoding="utf-8",
    )
    result = run_import(ctx, "activities", report)
    assert result.ok and result.created == 1, result.errors
    with reading():
        call = Activity.get(Activity.summary == "Short id call")
        assert call.account.external_id == "0015g00000KfA1QAAV"
        assert call.contact.external_id == "0035g00000CcA1QAAV"
    again = tmp_path / "again.csv"
    again.write_text("Account ID,Account Name\n0015g00000KfA2Q,Nordlicht Logistik GmbH\n", encoding="utf-8")
    assert run_import(ctx, "accounts", again).existing_skipped == 1
    from acct_tui.services.io.imports.refs import short_id

    assert short_id("0015g00000KfA1QAAV") == "0015g00000KfA1Q" and short_id("0015g00000KfA1QAAA") is None
    assert short_id("123456789012345") is None  # a long number (HubSpot) is not a Salesforce id
    listed = tmp_path / "hs.csv"
    listed.write_text(
        'First Name,Last Name,Associated Company IDs\nAna,Silva,"0015g00000KfA4QAAV;0015g00000KfA5QAAV"\n'
    )
    contacts = run_import(ctx, "contacts", listed)
    assert contacts.ok and contacts.created == 1, contacts.errors
    with reading():
        assert Contact.get(Contact.name == "Ana Silva").account.external_id == "0015g00000KfA4QAAV"


def test_imported_tasks_and_events_retire_the_crm_last_activity_entry(ctx: Ctx) -> None:
    """Once the CRM's tasks and events are imported, the stand-in entry gives way; undo brings it back."""
    from acct_tui.services.store.undo import undo_last

    run_import(ctx, "accounts", DATA / "sf_account_export.csv")
    run_import(ctx, "contacts", DATA / "sf_contact_export.csv")
    kestrel, greek = account("0015g00000KfA1QAAV"), account("0015g00000KfA5QAAV")
    assert {a for a, _m in markers()} == {kestrel.id, account("0015g00000KfA2QAAV").id, greek.id}
    report = run_import(ctx, "activities", DATA / "sf_task_export.csv")
    assert report.ok and any("gave way" in n for n in report.notes), report.notes
    left = {a for a, _m in markers()}
    assert kestrel.id not in left and greek.id in left  # no task of the Greek account was imported
    assert account("0015g00000KfA1QAAV").last_touch_at == dt.datetime(2026, 11, 20, 12, 0)
    undo_last(ctx)
    assert kestrel.id in {a for a, _m in markers()}
    assert account("0015g00000KfA1QAAV").last_touch_at == dt.datetime(2026, 11, 2, 12, 0)
