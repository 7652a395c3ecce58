"""`telephonist fax`: the operator's side of faxd (see telephonist.faxd.cli)."""
from telephonist.faxd.cli import add_fax_arguments as add_arguments, fax_main as main

__all__ = ["add_arguments", "main"]
