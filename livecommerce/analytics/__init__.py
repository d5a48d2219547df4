"""The show ledger (what happened in a show, row by row), metrics as code, reports."""
