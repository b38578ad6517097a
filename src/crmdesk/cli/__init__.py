"""Entry point of ``crmdesk``: the command line over the same services as the GUI.

Qt is imported only inside the branch that starts the GUI, so every other
command runs headless.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from crmdesk.config import paths
from crmdesk.errors import Ambiguous, CrmdeskError

EXIT_BUG = 70
EXIT_INTERRUPTED = 130


def setup_logging() -> Path:
    """Log to a rotating file in the log folder; returns its path."""
    log_file = paths.log_dir() / "crmdesk.log"
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return log_file


def database_path(option: str | None) -> Path:
    """``--db``, else ``CRMDESK_DB``, else the per-user default."""
    chosen = option or os.environ.get("CRMDESK_DB")
    return Path(chosen).expanduser() if chosen else paths.default_database_path()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    # A big export's helper processes start by "spawn": in a frozen (PyInstaller)
    # build the child must run the helper, not another crmdesk.
    multiprocessing.freeze_support()
    args_list = list(sys.argv[1:] if argv is None else argv)
    log_file = setup_logging()
    try:
        return _dispatch(args_list)
    except Ambiguous as exc:
        print(f"crmdesk: {exc}", file=sys.stderr)
        for contact_id, name in exc.candidates:
            print(f"  {contact_id}  {name}", file=sys.stderr)
        return exc.exit_code
    except CrmdeskError as exc:
        print(f"crmdesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (``crmdesk followup list | head``); not an error.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("crmdesk: interrupted; nothing half-written was kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        logging.getLogger("crmdesk").exception("unexpected error running %s", args_list)
        print(
            f"crmdesk: something went wrong that should not have; details are in {log_file}.",
            file=sys.stderr,
        )
        return EXIT_BUG


def _dispatch(args_list: list[str]) -> int:
    from crmdesk.cli.parser import parse

    tel = next((a for a in args_list if a.lower().startswith("tel:")), None)
    if tel is not None:
        args_list = [a for a in args_list if a is not tel]
    args = parse(args_list)
    if args.command in (None, "gui"):
        return _start_gui(args, tel)
    from crmdesk.cli.commands import run_command

    return run_command(args, database_path(args.db))


def _start_gui(args: object, tel: str | None) -> int:
    from crmdesk import instance

    number = tel[4:].split(";", 1)[0] if tel else None
    if number and instance.send_to_running({"cmd": "pop", "number": number}):
        return 0
    from crmdesk.ui.main import run  # Qt is loaded only here

    chosen = getattr(args, "db", None) or os.environ.get("CRMDESK_DB")
    code = run(
        Path(chosen).expanduser() if chosen else None,
        pop_number=number,
        region=getattr(args, "region", None),
    )
    return int(code)
