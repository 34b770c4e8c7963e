"""The commands behind the CLI: one module per command; ``inputs.py`` loads what they read,
``_run.py`` records and alerts a posting run. The only modules that join systems and report/."""
