"""Parley's Python REPL kernel: one long-lived process per session, so variables persist between cells.

The server sends one JSON line per cell on fd 3: {"id", "code", "marker", "tableBounds"}. The cell's own output goes
to stdout and stderr untouched (prints, subprocesses, C extensions alike); when the cell is done the
kernel writes the cell's marker to both, so the server knows it has read all of its output, and
answers on fd 3 with one JSON line: the value of the last expression (as a notebook shows it), the
error with its traceback, the figures matplotlib left open (as PNG, base64), the value again as a
table when it is one (a DataFrame or Series, a list of records, a list of equal rows; bounded by the
request's "tableBounds") and the names the session has defined. Standard library only; matplotlib
is used when the cell imported it, and pandas objects are recognised by their methods, not imported.
"""
import ast
import base64
import io
import itertools
import json
import os
import sys
import traceback

CONTROL = 3
# The server sends its bounds (protocol/cellTable.ts) with each cell; these stand in for a request without them.
DEFAULT_TABLE_BOUNDS = {"rows": 200, "columns": 50, "cellChars": 200}
TABLE_REPR_CHARS = 20_000
namespace = {"__name__": "__main__", "__builtins__": __builtins__}


def send(message):
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(CONTROL, data):]


def variables():
    return sorted(
        name
        for name, value in namespace.items()
        if not name.startswith("_") and type(value).__name__ != "module"
    )


def run(code):
    """Runs a cell; returns the value of its last expression (None when it ends in a statement)."""
    tree = ast.parse(code, "<cell>", "exec")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    namespace["_"] = value
    return value


def cell_text(value, bounds):
    text = value if isinstance(value, str) else str(value)
    limit = bounds["cellChars"]
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def bounded_table(columns, rows, total_rows, bounds):
    """The first rows and columns as text; `rows` is an iterator, read no further than shown."""
    shown = bounds["columns"]
    return {
        "columns": [cell_text(column, bounds) for column in columns[:shown]],
        "rows": [[cell_text(cell, bounds) for cell in row[:shown]] for row in itertools.islice(rows, bounds["rows"])],
        "totalRows": total_rows,
        "totalColumns": len(columns),
    }


def row_count(value):
    shape = getattr(value, "shape", None)
    return shape[0] if isinstance(shape, tuple) and shape else len(value)


def frame_table(value, bounds):
    """A DataFrame (pandas, or anything with its `columns` and `itertuples` or `to_dict`), its index first."""
    columns = list(value.columns)
    if not hasattr(value, "itertuples"):
        records = value.to_dict("records")
        return bounded_table(columns, ([record.get(key) for key in columns] for record in records), len(records), bounds)
    index_name = getattr(getattr(value, "index", None), "name", None)
    rows = (list(row) for row in value.itertuples(index=True, name=None))
    return bounded_table(["" if index_name is None else index_name] + columns, rows, row_count(value), bounds)


def series_table(value, bounds):
    """A Series (anything with `to_frame`, `index` and `items`): its index and its values."""
    index_name = getattr(value.index, "name", None)
    header = ["" if index_name is None else index_name, "value" if value.name is None else value.name]
    return bounded_table(header, (list(item) for item in value.items()), row_count(value), bounds)


def records_table(value, bounds):
    """A list of dicts with the same keys, in the first one's order."""
    keys = value[0].keys()
    if not keys or not all(isinstance(row, dict) and row.keys() == keys for row in value):
        return None
    columns = list(keys)
    return bounded_table(columns, ([row[key] for key in columns] for row in value), len(value), bounds)


def rows_table(value, bounds):
    """A list of lists or tuples of one length: columns numbered from 0, or named by a namedtuple's fields."""
    first = value[0]
    width = len(first)
    if width == 0 or not all(isinstance(row, (list, tuple)) and len(row) == width for row in value):
        return None
    fields = getattr(first, "_fields", None)
    named = isinstance(fields, tuple) and all(type(row) is type(first) for row in value)
    columns = list(fields) if named else [str(number) for number in range(width)]
    return bounded_table(columns, (list(row) for row in value), len(value), bounds)


def table_of(value, bounds):
    """The value as a table when it is one; None otherwise (or when reading it as one failed)."""
    try:
        if hasattr(value, "columns") and (hasattr(value, "itertuples") or hasattr(value, "to_dict")):
            return frame_table(value, bounds)
        if hasattr(value, "to_frame") and hasattr(value, "items") and hasattr(value, "index"):
            return series_table(value, bounds)
        if isinstance(value, (list, tuple)) and value:
            if isinstance(value[0], dict):
                return records_table(value, bounds)
            if isinstance(value[0], (list, tuple)):
                return rows_table(value, bounds)
    except Exception:
        # Something only half like a DataFrame is shown by its repr, as any other value.
        return None
    return None


def value_text(value, table):
    """The repr; for a table, its start only, since the table is what the user and the model read."""
    text = repr(value)
    if table is None or len(text) <= TABLE_REPR_CHARS:
        return text
    return text[:TABLE_REPR_CHARS] + f"\u2026 ({len(text) - TABLE_REPR_CHARS} more characters)"


def figures():
    """Every open matplotlib figure as PNG, closed afterwards so the next cell starts with none."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return []
    images = []
    for number in pyplot.get_fignums():
        buffer = io.BytesIO()
        pyplot.figure(number).savefig(buffer, format="png")
        images.append(base64.b64encode(buffer.getvalue()).decode())
    pyplot.close("all")
    return images


def error_of(exc):
    # The kernel's own frames are not the user's business: keep the frames from the cell on.
    frames = traceback.extract_tb(exc.__traceback__)
    skip = next((i for i, frame in enumerate(frames) if frame.filename == "<cell>"), len(frames))
    lines = ["Traceback (most recent call last):\n"] if skip < len(frames) else []
    lines += traceback.format_list(frames[skip:]) + traceback.format_exception_only(type(exc), exc)
    return {"name": type(exc).__name__, "message": str(exc), "traceback": "".join(lines)}


def cell(request):
    answer = {"id": request["id"], "type": "done", "tables": []}
    bounds = {**DEFAULT_TABLE_BOUNDS, **request.get("tableBounds", {})}
    try:
        value = run(request["code"])
        if value is not None:
            table = table_of(value, bounds)
            answer["value"] = value_text(value, table)
            answer["tables"] = [] if table is None else [table]
    except BaseException as exc:  # a cell's SystemExit or KeyboardInterrupt ends the cell, not the kernel
        answer["error"] = error_of(exc)
    try:
        answer["images"] = figures()
    except Exception as exc:
        answer["images"] = []
        answer.setdefault("error", error_of(exc))
    # The marker goes to the file descriptors themselves, whatever the cell did to sys.stdout.
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2), (sys.__stdout__, 1), (sys.__stderr__, 2)):
        try:
            stream.flush()
        except Exception:
            pass
    for fd in (1, 2):
        try:
            os.write(fd, request["marker"].encode())
        except OSError:
            pass
    answer["variables"] = variables()
    send(answer)


def main():
    os.set_inheritable(CONTROL, False)
    control = os.fdopen(CONTROL, "rb", buffering=0, closefd=False)
    send({"type": "ready", "variables": []})
    buffer = b""
    while True:
        chunk = control.read(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            cell(json.loads(line))


main()
