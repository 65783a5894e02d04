"""Which column of the file feeds which field: CRM export names, and `--map`.

Column names are compared loosely (case, spaces and punctuation ignored), so
`Annual Revenue`, `AnnualRevenue` and `annual_revenue` are one name. The
tables list what Salesforce (report and Data Loader / API names) and HubSpot
exports call each field, best match first; when a file has two columns for
one field the first listed wins and the other is reported as not imported.
An alias written `=Name` matches only that exact spelling: Salesforce's `Id`
is the record id, while acct-tui's own portfolio export writes its key as `id`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from acct_tui.services.errors import ValidationError


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    ACTIVITIES = "activities"
    FOLLOWUPS = "followups"
    PRODUCTS = "products"


_ACCOUNT_REF = ("Account Name", "Company / Account", "Company", "Company name", "Associated Company",
                "Associated Company name", "Account", "Related To", "account_name")  # fmt: skip
_ACCOUNT_ID_REF = ("account_external_id", "Account ID", "AccountId", "Account Id (18)", "Associated Company ID",
                   "Company ID", "Associated Company IDs", "Associated Company IDs (Primary)",
                   "Primary Associated Company ID", "WhatId")  # fmt: skip

ALIASES: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    ImportKind.ACCOUNTS: {
        "external_id": ("external_id", "Account ID", "=Id", "Record ID", "Company ID", "Account Id (18)",
                        "Account Number", "hs_object_id"),
        "name": ("name", "Account Name", "Company name", "Company", "Account", "Organization", "Organisation",
                 "Name", "Client", "Client Name", "Customer", "Customer Name"),
        "domain": ("domain", "Company Domain Name", "Domain", "Website", "Website URL", "URL"),
        "industry": ("industry", "Industry", "Industry (Sector)"),
        "arr": ("arr", "ARR", "Annual Recurring Revenue", "Annual Revenue", "AnnualRevenue", "Revenue",
                "Contract Value"),
        "currency": ("currency", "Currency", "Account Currency", "Annual Revenue Currency", "CurrencyIsoCode"),
        "tier": ("tier", "Tier", "Account Tier", "Customer Tier", "Segment"),
        "stage": ("stage", "Stage", "Lifecycle Stage", "Account Stage", "Customer Stage", "Type", "Account Type",
                  "Company Type", "Status"),
        "renewal_on": ("renewal_on", "Renewal Date", "Contract End Date", "Next Renewal Date", "Renewal"),
        "satisfaction": ("satisfaction", "Satisfaction", "CSAT", "NPS Score", "Customer Satisfaction"),
        "notes": ("notes", "Notes", "Description", "Account Description", "About Us"),
        "owner": ("owner", "Account Owner", "Company owner", "Owner", "Account Owner Name", "HubSpot Owner",
                  "Account Manager", "OwnerId", "Owner ID", "Account Owner ID", "Company owner ID"),
        "phone": ("phone", "Phone", "Phone Number", "Company Phone", "Account Phone", "Main Phone", "Telephone"),
        "city": ("city", "BillingCity", "City", "ShippingCity", "Town"),
        "country": ("country", "BillingCountry", "Country/Region", "Country", "ShippingCountry"),
        "employees": ("employees", "NumberOfEmployees", "Number of Employees", "Employees", "Employee Count",
                      "Headcount", "Company size"),
        "client_since": ("client_since", "Client Since", "Customer Since", "Became a Customer Date",
                         "CreatedDate", "Create Date", "Date Created"),
        "last_activity": ("last_activity", "LastActivityDate", "Last Activity Date", "Last Contacted",
                          "Last Contact", "Last Contact Date", "Last Touch", "Last Engagement Date"),
    },
    ImportKind.CONTACTS: {
        "external_id": ("external_id", "Contact ID", "Record ID", "Id", "hs_object_id"),
        "name": ("name", "Full Name", "Contact Name", "Name"),
        "first_name": ("first_name", "First Name", "FirstName", "Given Name"),
        "last_name": ("last_name", "Last Name", "LastName", "Surname", "Family Name"),
        "email": ("email", "Email", "Email Address", "E-mail", "Work Email"),
        "phone": ("phone", "Phone", "Phone Number", "Business Phone", "Work Phone", "Mobile", "Mobile Phone",
                  "Mobile Phone Number"),
        "role": ("role", "Title", "Job Title", "Role", "Position"),
        "is_primary": ("is_primary", "Primary", "Primary Contact", "Is Primary"),
        "account": ("account", *_ACCOUNT_REF),
        "account_external_id": _ACCOUNT_ID_REF,
    },
    ImportKind.ACTIVITIES: {
        "external_id": ("external_id", "Activity ID", "Task ID", "Event ID", "Record ID", "Engagement ID", "Id"),
        "kind": ("kind", "Activity Type", "Type", "Engagement Type", "Activity"),
        "subtype": ("subtype", "TaskSubtype", "EventSubtype", "Task Subtype", "Event Subtype"),
        "summary": ("summary", "Subject", "Call Title", "Meeting name", "Email subject", "Title", "Activity title"),
        "body": ("body", "Full Comments", "Comments", "Description", "Call notes", "Meeting description",
                 "Email body", "Email text", "Note body", "Notes", "Body"),
        "occurred_at": ("occurred_at", "CompletedDateTime", "StartDateTime", "ActivityDateTime", "Activity date",
                        "Date", "Date/Time", "Start", "Meeting start time", "Timestamp", "Date Completed",
                        "Created Date", "Create Date"),
        "direction": ("direction", "Call direction", "Email direction", "Direction", "Call Type", "CallType"),
        "outcome": ("outcome", "Call outcome", "Meeting outcome", "Outcome", "Call Result", "CallDisposition"),
        "status": ("status", "Status", "Task Status"),
        "account": ("account", *_ACCOUNT_REF),
        "account_external_id": _ACCOUNT_ID_REF,
        "contact_external_id": ("contact_external_id", "WhoId", "Contact ID", "Associated Contact ID",
                                "Associated Contact IDs"),
        "contact": ("contact", "Contact", "Associated Contact", "Name", "Contact Name", "Attendee"),
        "agent": ("agent", "Assigned", "Assigned To", "Activity assigned to", "Activity Owner", "Owner",
                  "Created by", "Logged by", "OwnerId", "Owner ID"),
    },
    ImportKind.FOLLOWUPS: {
        "external_id": ("external_id", "Task ID", "Activity ID", "Record ID", "Id"),
        "title": ("title", "Subject", "Task Title", "Task Subject", "Title"),
        "due_on": ("due_on", "Due Date", "Due date", "Due Date Only", "ActivityDate", "Activity Date", "Date"),
        "priority": ("priority", "Priority", "Task Priority"),
        "kind": ("kind", "Task Type", "Type", "Task Subtype", "TaskSubtype"),
        "status": ("status", "Status", "Task Status"),
        "notes": ("notes", "Comments", "Full Comments", "Task notes", "Notes", "Description", "Body"),
        "recurrence": ("recurrence", "Repeat", "Recurrence", "Repeat Frequency"),
        "assignee": ("assignee", "Assigned", "Assigned To", "Task owner", "Activity assigned to", "Owner",
                     "OwnerId", "Owner ID"),
        "account": ("account", *_ACCOUNT_REF),
        "account_external_id": _ACCOUNT_ID_REF,
    },
    ImportKind.PRODUCTS: {
        "external_id": ("external_id", "Subscription ID", "Asset ID", "Line Item ID", "Record ID", "Id"),
        "product": ("product", "Product Name", "Product", "Asset Name", "Line Item Name", "Name", "Plan"),
        "sku": ("sku", "Product Code", "SKU", "ProductCode"),
        "quantity": ("quantity", "Quantity", "Qty", "Seats", "Licenses"),
        "unit_price": ("unit_price", "Unit Price", "Sales Price", "UnitPrice", "Price", "List Price"),
        "currency": ("currency", "Currency", "CurrencyIsoCode"),
        "start_on": ("start_on", "Start Date", "Install Date", "Purchase Date", "Service Date", "Subscription Start"),
        "renewal_on": ("renewal_on", "Renewal Date", "Next Renewal Date", "Renewal"),
        "end_on": ("end_on", "End Date", "Usage End Date", "Subscription End", "Cancellation Date", "Term End"),
        "status": ("status", "Status", "Subscription Status", "Asset Status"),
        "notes": ("notes", "Description", "Notes", "Line Description"),
        "account": ("account", *_ACCOUNT_REF),
        "account_external_id": _ACCOUNT_ID_REF,
    },
}  # fmt: skip

# Fields a row of each kind cannot do without (any one of a group will do).
REQUIRED: dict[ImportKind, tuple[tuple[str, ...], ...]] = {
    ImportKind.ACCOUNTS: (("name",),),
    ImportKind.CONTACTS: (("name", "first_name", "last_name"), ("account", "account_external_id")),
    ImportKind.ACTIVITIES: (("summary", "body"), ("occurred_at",), ("account", "account_external_id")),
    ImportKind.FOLLOWUPS: (("title",), ("due_on",), ("account", "account_external_id")),
    ImportKind.PRODUCTS: (("product",), ("account", "account_external_id")),
}

# Column names that say what kind of activity a whole file holds (a HubSpot calls export has no type column).
IMPLIED_KIND = {"calltitle": "call", "callnotes": "call", "meetingname": "meeting", "emailsubject": "email",
                "notebody": "note", "meetingdescription": "meeting", "emailbody": "email"}  # fmt: skip

IGNORE = {"", "-", "ignore", "skip"}


_LOOSE = re.compile(r"[\W_]+")


def norm(name: str) -> str:
    """A column name compared loosely: case, spaces and punctuation do not count."""
    return _LOOSE.sub("", name.casefold())


@dataclass(frozen=True)
class ColumnMap:
    """For each field, the index and the name of the column that feeds it."""

    fields: dict[str, tuple[int, str]]
    ignored: list[str] = field(default_factory=list)
    implied_kind: str | None = None
    mapped: list[str] = field(default_factory=list)
    """The columns `--map` fed to a field."""

    def column(self, name: str) -> str:
        return self.fields[name][1]

    def has(self, name: str) -> bool:
        return name in self.fields


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """`--map COLUMN=field` options as {column: field}; `COLUMN=` ignores a column."""
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValidationError(f"{item!r} is not COLUMN=field (for example --map 'Client Name=name')", "map")
        column, _, target = item.rpartition("=")
        if not column.strip():
            raise ValidationError(f"{item!r} names no column; write COLUMN=field", "map")
        mapping[column.strip()] = target.strip()
    return mapping


def map_columns(kind: ImportKind, header: Sequence[str], mapping: Mapping[str, str] | None = None) -> ColumnMap:
    """Match the header to the kind's fields; raises ValidationError naming what is wrong."""
    aliases = ALIASES[kind]
    by_name = {norm(name): index for index, name in reversed(list(enumerate(header)))}
    exact = {name: index for index, name in reversed(list(enumerate(header)))}
    fields: dict[str, tuple[int, str]] = {}
    taken: set[int] = set()
    mapped: list[str] = []
    for column, target in (mapping or {}).items():
        if norm(column) not in by_name:
            shown = ", ".join(repr(h) for h in header if h)
            raise ValidationError(f"there is no column {column!r} in the file; its columns are {shown}", "map")
        index = by_name[norm(column)]
        taken.add(index)
        if target.lower() in IGNORE:
            continue
        if target not in aliases:
            raise ValidationError(f"{target!r} is not a field of {kind.value}; use one of {', '.join(aliases)}", "map")
        if target in fields:
            raise ValidationError(f"two columns are mapped to {target!r}; map one of them elsewhere", "map")
        fields[target] = (index, header[index])
        mapped.append(header[index])
    for name, names in aliases.items():
        if name in fields:
            continue
        for alias in names:
            found = exact.get(alias[1:]) if alias.startswith("=") else by_name.get(norm(alias))
            if found is not None and found not in taken:
                fields[name] = (found, header[found])
                taken.add(found)
                break
    ignored = [name for index, name in enumerate(header) if index not in taken and name]
    # Counted once: comparing every column with every other was quadratic (minutes for a 10,000-column file).
    loose = Counter(norm(h) for h in header)
    duplicated = {h for h in header if h and loose[norm(h)] > 1}
    for name, (index, _column) in fields.items():
        if header[index] in duplicated:
            raise ValidationError(
                f"the column {header[index]!r} appears more than once; rename one so it is clear which is the {name}",
                "map",
            )
    missing = [group for group in REQUIRED[kind] if not any(f in fields for f in group)]
    if missing:
        wanted = " and ".join(" or ".join(group) for group in missing)
        shown = ", ".join(repr(h) for h in header if h) or "none"
        raise ValidationError(
            f"no column for {wanted}; the file's columns are {shown}; name one with --map COLUMN={missing[0][0]}",
            "map",
        )
    implied = next((IMPLIED_KIND[norm(h)] for h in header if norm(h) in IMPLIED_KIND), None)
    return ColumnMap(fields=fields, ignored=ignored, implied_kind=implied, mapped=mapped)
