"""Touches captured without typing: mail (one message, a Maildir or an mbox) and calendar (.ics) meetings.

`mail.log_email` logs one message, `mail.import_mail` a whole mailbox and
`calendar.import_calendar` the meetings of an .ics file, each on the account
its addresses name (`match`), each once (`touch`: the Message-ID or the
event's UID is kept on what it wrote).
"""
