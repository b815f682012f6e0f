"""`kechuang eval hte|tsme FILE.json`: evaluate one enterprise profile and print the result as JSON."""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal

from .engine import ProfileError, hte_gaps, parse_hte_profile, parse_tsme_profile, tsme_gaps
from .engine.hte import evaluate_hte
from .engine.tsme import evaluate_tsme

USAGE = "usage: kechuang eval {hte|tsme} FILE.json   (FILE may be - for standard input)"


def _read(path: str):
    """The profile JSON; numbers with a fraction part are read as exact Decimals, never floats."""
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    return json.loads(text, parse_float=Decimal)


def evaluate(kind: str, data) -> dict:
    """The printed result: the evaluation plus the gap analysis of its failing conditions."""
    if kind == "hte":
        profile = parse_hte_profile(data)
        result = evaluate_hte(profile)
        return {**result.to_dict(), "gaps": hte_gaps(profile, result)}
    profile = parse_tsme_profile(data)
    result = evaluate_tsme(profile)
    return {**result.to_dict(), "gaps": tsme_gaps(profile, result)}


def main(argv: list[str]) -> int:
    """Run `eval hte FILE` or `eval tsme FILE` (a leading "eval" is optional); 0 on success, 2 on bad input."""
    args = list(argv)
    if args and args[0] == "eval":
        args = args[1:]
    if len(args) != 2 or args[0] not in ("hte", "tsme"):
        print(USAGE, file=sys.stderr)
        return 2
    kind, path = args
    try:
        data = _read(path)
    except OSError as exc:
        print(f"error: {path}: cannot read file ({exc.strerror or exc})", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"error: {path}: invalid JSON ({exc})", file=sys.stderr)
        return 2
    try:
        output = evaluate(kind, data)
    except ProfileError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(output, ensure_ascii=False, indent=2))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader closed the pipe (e.g. `| head`): not a failure of the evaluation; silence the exit flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
