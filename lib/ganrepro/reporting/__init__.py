"""Reporting: tables from scores, one module per figure, the report's pages, the references
beside ours, costs, benchmark records and the generated documents.

Reads scores and records; writes tables, figures and documents.
"""
