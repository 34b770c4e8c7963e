"""Reconcile PayTrace card payments with abas ERP open items."""

__version__ = "0.1.0"
