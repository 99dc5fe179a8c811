"""Every numeric limit of the engine, in one place.

An input may cost bounded time and memory: these numbers are the bounds. Each is
listed, with its number, in docs/security.md (a test checks that the two agree), and
each is enforced where the input is read, by construction (a parser that counts, a
sandbox operator that checks the size of its result before making it), not by a
timer that hopes to fire. ``apply_worker_limits`` adds the operating system's own
bound on top, in every process that renders: what slips past a check ends as a
``MemoryError`` in that process, never as a machine out of memory.
"""

from __future__ import annotations

import contextlib

_KIB = 1024
MIB = 1024 * _KIB  # not a limit: the unit

# ---------------------------------------------------------------- visit data
DATA_FILE_BYTES = 8 * MIB  # a visit file (YAML or JSON), read with this bound
DATA_DEPTH = 40  # nesting levels of a visit file
DATA_VALUES = 500_000  # values in a file, aliases counted at their full size
DATA_EXPANDED_BYTES = 16 * MIB  # characters of text after YAML aliases are expanded
LIST_ITEMS = 5_000  # items in any one list of a visit (events, agreements, points...)
FIGURES = 500  # figures of one visit
DELEGATION = 200  # members of one party's delegation
PROBLEMS_SHOWN = 20  # problems reported per file; the rest are counted
NUMBER_ABS = 10**15  # largest magnitude of a figure's value or target

# ---------------------------------------------------------------- templates
TEMPLATE_OUTPUT_CHARS = 50_000_000  # markup one template may produce
TEMPLATE_REPEAT = 100_000  # items of range(), of * repetition, lipsum words
TEMPLATE_STRING_CHARS = 10_000_000  # longest string or list a template operator may build
TEMPLATE_INT_BITS = 4_096  # largest integer a template may compute (about 1,233 digits)
TEMPLATE_EXPONENT = 64  # largest exponent of **
TEMPLATE_WIDTH = 999_999  # padding widths (center, ljust, format fields)
TEMPLATE_SECONDS = 20.0  # time one template may take to render
JOB_SECONDS = 300.0  # a job of a build still running in a worker after this is killed
MODEL_NODES = 200_000  # blocks, runs and cells one document's markup may produce

# ---------------------------------------------------------------- charts
CHART_BARS = 12  # bars of one chart; further figures are listed in a table
CHART_PIXELS = 9_000_000  # pixels of a DOCX chart picture (an A4 page at 300 dpi)

# ---------------------------------------------------------------- files from config
THEME_FILE_BYTES = 1 * MIB  # a theme TOML file, a kzru.toml
FONT_BYTES = 40 * MIB  # one font file
LOGO_BYTES = 5 * MIB  # a logo image
IMAGE_PIXELS = 25_000_000  # width x height of a logo
REFDOC_BYTES = 20 * MIB  # a reference DOCX
REFDOC_PART_BYTES = 10 * MIB  # one part of it, uncompressed
REFDOC_TOTAL_BYTES = 40 * MIB  # all its parts, uncompressed
REFDOC_PARTS = 500  # parts in it
REFDOC_RATIO = 100  # uncompressed / compressed size of a part over 64 KiB
REFDOC_RATIO_FLOOR = 64 * _KIB

# ---------------------------------------------------------------- processes
RENDER_MEMORY = 2048 * MIB  # address space of a process that renders (RLIMIT_AS)
CACHE_ENTRIES = 256  # entries of one kind kept in the cache folder

# ---------------------------------------------------------------- kzru serve (defaults)
SERVE_BODY_BYTES = DATA_FILE_BYTES  # an uploaded visit file ([serve] max_body)
SERVE_SECONDS = 30.0  # from a request's arrival to its answer, queue included ([serve] timeout)
SERVE_QUEUE = 32  # requests waiting for a worker; one more is answered 429 ([serve] queue)
SERVE_WARM_UP_SECONDS = 120.0  # the first render at start (templates compiled, fonts loaded)


def apply_worker_limits(memory: int = RENDER_MEMORY) -> None:
    """Bound the address space of this process (``RLIMIT_AS``) to ``memory`` bytes,
    and keep it from writing core files.

    Called in every process that renders: each worker of a parallel build, and the
    ``kzru`` program itself when it renders in-process. Only the soft limit is
    lowered (never raised past the hard one), so a caller that needs more can raise
    it again; where the platform has no ``resource`` module this does nothing.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    for which, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0)):
        with contextlib.suppress(ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            want = value if hard == resource.RLIM_INFINITY else min(value, hard)
            if soft == resource.RLIM_INFINITY or soft > want:
                resource.setrlimit(which, (want, hard))


def memory_limit_mib() -> int | None:
    """This process's address-space limit in MiB, None when unlimited."""
    try:
        import resource
    except ImportError:  # pragma: no cover
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft // MIB


__all__ = [name for name in dir() if name.isupper() and name[0] != "_" and name != "MIB"] + [
    "apply_worker_limits",
    "memory_limit_mib",
]
