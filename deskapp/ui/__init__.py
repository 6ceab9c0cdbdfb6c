"""PySide6 user interface: main window, inbox, thread, customer panel, composer, dashboards."""
