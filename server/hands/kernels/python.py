"""Parley's Python REPL kernel: one long-lived process per session, so variables persist between cells.

The server sends one JSON line per cell on fd 3: {"id", "code", "marker"}. The cell's own output goes
to stdout and stderr untouched (prints, subprocesses, C extensions alike); when the cell is done the
kernel writes the cell's marker to both, so the server knows it has read all of its output, and
answers on fd 3 with one JSON line: the value of the last expression (as a notebook shows it), the
error with its traceback, the figures matplotlib left open (as PNG, base64) and the names the
session has defined. Standard library only; matplotlib is used when the cell imported it.
"""
import ast
import base64
import io
import json
import os
import sys
import traceback

CONTROL = 3
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
    """Runs a cell; returns the repr of its last expression (None when it ends in a statement)."""
    tree = ast.parse(code, "<cell>", "exec")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    namespace["_"] = value
    return None if value is None else repr(value)


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
    answer = {"id": request["id"], "type": "done"}
    try:
        answer["value"] = run(request["code"])
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
