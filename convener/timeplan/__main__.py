"""``python -m convener.timeplan SPEC.json``: the same as ``convener plan SPEC.json``."""

from .cli import command

command()
