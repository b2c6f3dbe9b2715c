"""Entry point: run the app and map every outcome to one exit code and one message."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence

import typer

from csirt_kit.cli.exit_codes import ExitCode, code_for
from csirt_kit.errors import CsirtError, InputError
from csirt_kit.redaction import redact


def _wants(argv: Sequence[str], *flags: str) -> bool:
    return any(arg in flags for arg in argv)


def _verbosity(argv: Sequence[str]) -> bool:
    return _wants(argv, "-v", "--verbose", "-vv", "-vvv")


def _error_document(exc: CsirtError, code: int) -> str:
    doc: dict[str, object] = {"error": {"type": type(exc).__name__, "message": redact(exc.what),
                                        "where": redact(exc.where), "fix": exc.fix,
                                        "exit_code": code}}
    if isinstance(exc, InputError):
        doc["error"]["problems"] = [  # type: ignore[index]
            {"where": p.where, "field": p.field, "message": redact(p.message)}
            for p in exc.problems
        ]
    return json.dumps(doc, ensure_ascii=False, indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run csirt with argv (default sys.argv[1:]) and return the exit code."""
    from csirt_kit.cli.app import command_in, register

    args = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args and command_in(args) is None and not _wants(args, "-h", "--help"):
        from csirt_kit import __version__

        sys.stdout.write(f"csirt-kit {__version__}\n")  # no command group needed: start fast
        return int(ExitCode.OK)
    app = register(args)
    result: object
    try:
        result = app(args=args, prog_name="csirt", standalone_mode=False)
    except CsirtError as exc:
        error_code = code_for(exc)
        if _wants(args, "--json"):
            sys.stdout.write(_error_document(exc, int(error_code)) + "\n")
        sys.stderr.write(f"csirt: error: {redact(exc.message)}\n")
        if _verbosity(args):
            traceback.print_exc()
        return int(error_code)
    except (typer.Abort, KeyboardInterrupt):
        result = int(ExitCode.INTERRUPTED)
    except typer.TyperException as exc:  # usage errors: unknown option, bad value
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"csirt: error: {exc.format_message()}\n")
        return int(ExitCode.BAD_INPUT) if exc.exit_code == 2 else int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: say so plainly, traceback only with -v
        sys.stderr.write(f"csirt: internal error (a bug, please report it): "
                         f"{type(exc).__name__}: {redact(str(exc))}\n")
        if _verbosity(args):
            sys.stderr.write(redact(traceback.format_exc()))
        else:
            sys.stderr.write("  rerun with -v for the traceback\n")
        return int(ExitCode.BUG)
    code = int(result) if isinstance(result, int) else int(ExitCode.OK)
    if code == ExitCode.INTERRUPTED:
        sys.stderr.write("csirt: interrupted; finished steps are stored, rerun to continue\n")
    return code


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())


if __name__ == "__main__":
    run()
