"""The domain rules: plain Python over the models, no Textual.

Screens and the command line call these functions; each takes a `Ctx` (who
is acting, the clock, the health policy) and returns frozen dataclasses of
plain values. Writes run in one transaction with their audit entries.
"""
