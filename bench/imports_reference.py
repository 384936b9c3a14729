"""The reference import graph of a Python tree, from the standard library's modulefinder.

modulefinder reads each module's bytecode and finds what every import statement loads with the
interpreter's own search rules (packages, __init__, relative imports, sys.path order), without
running the code. Each module under the given source roots is loaded; modules outside the
repository (the standard library, installed packages) are found but not scanned. An edge goes
from a file to the module an import names: `import a.b` to a/b, `from a import b` to a/b when b is
a submodule, else to a.

    python3 bench/imports_reference.py REPO ROOT [ROOT ...] > edges.json

prints {"edges": [[from, to], ...]} with paths relative to REPO.
"""

import json
import modulefinder
import os
import sys


class EdgeFinder(modulefinder.ModuleFinder):
    def __init__(self, repo, path):
        super().__init__(path=path)
        self.repo = os.path.realpath(repo)
        self.edges = set()
        # modulefinder hands `from . import x` to import_hook without its caller: the module being scanned is it.
        self.scanning = []

    def scan_code(self, co, m):
        self.scanning.append(m)
        try:
            super().scan_code(co, m)
        finally:
            self.scanning.pop()

    def inside(self, pathname):
        return bool(pathname) and os.path.realpath(pathname).startswith(self.repo + os.sep)

    def load_module(self, fqname, fp, pathname, file_info):
        # Modules outside the repository are placed, not scanned: their imports are not ours.
        if self.inside(pathname) or file_info[2] == modulefinder._PKG_DIRECTORY:
            return super().load_module(fqname, fp, pathname, file_info)
        module = self.add_module(fqname)
        module.__file__ = pathname
        return module

    def _safe_import_hook(self, name, caller, fromlist, level=-1):
        # modulefinder loads `a` for `from a import b` before it looks at b; that first load is no edge
        # of its own, or every `from . import sub` would also be an edge to the package.
        if not fromlist:
            return super()._safe_import_hook(name, caller, fromlist, level)
        for item in fromlist:
            try:
                self.import_hook(name, caller, [item], level=level)
            except ImportError:
                pass
        return None

    def import_hook(self, name, caller=None, fromlist=None, level=-1):
        parent = self.determine_parent(caller, level=level)
        head, tail = self.find_head_package(parent, name)
        module = self.load_tail(head, tail)
        targets = [module]
        if fromlist and module.__path__:
            try:
                self.ensure_fromlist(module, fromlist)
            except ImportError:
                pass  # a name defined in the package, not a submodule
            names = [item for item in fromlist if item != "*"]
            submodules = [self.modules.get(f"{module.__name__}.{item}") for item in names]
            found = [sub for sub in submodules if sub is not None]
            targets = found + ([module] if len(found) < len(names) or "*" in fromlist else [])
        caller = caller if caller is not None else (self.scanning[-1] if self.scanning else None)
        if caller is not None and self.inside(caller.__file__):
            for target in targets:
                if self.inside(target.__file__):
                    self.edges.add((self.relative(caller.__file__), self.relative(target.__file__)))
        return None if fromlist else head

    def relative(self, pathname):
        return os.path.relpath(os.path.realpath(pathname), self.repo).replace(os.sep, "/")


def modules(root):
    """Each .py file under root: as a module name when its folders are packages, else as a script path."""
    for folder, _, files in os.walk(root):
        for file in files:
            if not file.endswith(".py"):
                continue
            path = os.path.join(folder, file)
            parts = os.path.relpath(path, root)[:-3].split(os.sep)
            packages = [os.path.join(root, *parts[:depth]) for depth in range(1, len(parts))]
            importable = all(part.isidentifier() for part in parts) and all(os.path.exists(os.path.join(p, "__init__.py")) for p in packages)
            if importable and parts[-1] == "__init__":
                parts = parts[:-1]
            yield ("module", ".".join(parts)) if importable and parts else ("script", path)


def main():
    repo, roots = sys.argv[1], [os.path.join(sys.argv[1], root) for root in sys.argv[2:]]
    finder = EdgeFinder(repo, roots + [path for path in sys.path if path])
    for root in roots:
        for kind, name in sorted(modules(root)):
            try:
                if kind == "module":
                    finder.import_hook(name)
                else:
                    finder.run_script(name)
            except (ImportError, SyntaxError):
                pass
    json.dump({"edges": sorted(finder.edges)}, sys.stdout)


if __name__ == "__main__":
    main()
