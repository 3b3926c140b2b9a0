"""The web interface: base templates, static files, the pages people click through."""
