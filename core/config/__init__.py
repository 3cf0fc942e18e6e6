"""The config files: reading with file/line errors, the settings, saved filters."""
