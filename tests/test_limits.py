"""The limits module: every limit documented with its number, and the operating
system's memory bound applied in a process that renders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kzru_reports import limits

DOCS = Path(__file__).resolve().parents[1] / "docs" / "security.md"


def _shown(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def test_every_limit_is_documented_with_its_number() -> None:
    rows = {
        m["name"]: m["value"]
        for m in re.finditer(
            r"^\| `(?P<name>[A-Z_]+)` \| (?P<value>[^|]+) \|", DOCS.read_text(), re.M
        )
    }
    numbers = {n: getattr(limits, n) for n in limits.__all__ if n.isupper()}
    assert set(rows) == set(numbers)
    for name, value in numbers.items():
        assert rows[name].split()[0] == _shown(value), (name, rows[name], value)


# a child that bounds itself, then asks for far more than the bound
_CHILD = """
import resource, sys
from kzru_reports.limits import apply_worker_limits, memory_limit_mib
apply_worker_limits(256 * 1024 * 1024)
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
assert soft == 256 * 1024 * 1024, soft
assert memory_limit_mib() == 256
try:
    b = bytearray(1024 * 1024 * 1024)
except MemoryError:
    print("refused")
apply_worker_limits(1024 * 1024 * 1024)  # never raised again by a later call
assert resource.getrlimit(resource.RLIMIT_AS)[0] == 256 * 1024 * 1024
"""


def test_worker_limits_bound_the_address_space() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"
