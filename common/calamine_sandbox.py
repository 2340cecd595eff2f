"""Reading an .xls or .ods sheet with python-calamine in a child process with limits.

Calamine holds a sheet as a dense grid from its first used cell to its last, so a tiny file
with one cell at A1 and one at IV65536 asks for millions of cells. Only the file's own cells are
checked before (for an .ods); an .xls cannot be checked cheaply, so calamine runs in a child
process capped in memory and CPU: a file that would need more is refused, and the web worker
never grows. The child gets the file on stdin and writes the rows back, pickled.

    python -m common.calamine_sandbox SHEET_NAME MAX_ROWS < file  (SHEET_NAME "" for the first)
"""

import io
import pickle
import subprocess
import sys

MEMORY_LIMIT_BYTES = 400 * 1024 * 1024  # the child's whole address space, the interpreter included
CPU_LIMIT_SECONDS = 5


class SandboxError(Exception):
    """The child could not read the file; ``str()`` says why, for people."""


def _limit():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_SECONDS, CPU_LIMIT_SECONDS))


def read_sheet(data, sheet_name, max_rows, *, cwd):
    """(sheet names, the sheet's name, rows as lists of values, merged ranges) read by the child."""
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and module, no shell)
            [sys.executable, "-m", "common.calamine_sandbox", sheet_name or "", str(max_rows)],
            input=data,
            capture_output=True,
            timeout=CPU_LIMIT_SECONDS * 2,
            preexec_fn=_limit,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SandboxError("it took too long to read") from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no answer"]
        if done.returncode < 0 or "MemoryError" in reason[0] or "memory allocation" in done.stderr.decode("utf-8", "replace"):
            raise SandboxError("it would need more memory than an upload may use (it declares a very large area)")
        raise SandboxError(reason[0][:200])
    return pickle.loads(done.stdout)  # noqa: S301 (written by our own child process just now)


def main():
    from python_calamine import CalamineWorkbook

    sheet_name, max_rows = sys.argv[1], int(sys.argv[2])
    data = sys.stdin.buffer.read()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        print(f"it cannot be opened ({type(exc).__name__})", file=sys.stderr)
        return 2
    names = book.sheet_names
    if sheet_name and sheet_name not in names:
        sys.stdout.buffer.write(pickle.dumps((names, None, [], [])))
        return 0
    sheet = book.get_sheet_by_name(sheet_name or names[0])
    rows = sheet.to_python(skip_empty_area=False, nrows=max_rows)
    merged = sheet.merged_cell_ranges or []
    sys.stdout.buffer.write(pickle.dumps((names, sheet.name, rows, merged)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
