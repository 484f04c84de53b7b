"""Reference import extraction with Python's own ast, for testing src/graph/python-imports.ts.

usage: python ast_imports.py [--stdlib | FILE...]

Prints one JSON object per line: {"path": ..., "imports": [...]} or {"path": ..., "error": ...}.
Each import has the fields of PythonImport (python-imports.ts) with the same definitions:
optional = in the body of a try whose handlers catch ImportError/ModuleNotFoundError/
Exception/BaseException (or bare except), or in the body of an ImportError/
ModuleNotFoundError (or bare) handler; typeOnly = in the body of `if TYPE_CHECKING:`;
versionGuarded = in a branch of an if/elif/else chain one of whose tests so far reads a
name or attribute `version_info` or `hexversion`.
"""
import ast
import json
import os
import sys
import sysconfig

GUARDING = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
FALLBACK = {"ImportError", "ModuleNotFoundError"}
TRY_NODES = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))


def handler_names(t):
    """Last components of the caught names; None for bare except; [] when not plain (dotted) names."""
    if t is None:
        return None
    out = []
    for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
        if isinstance(e, ast.Name):
            out.append(e.id)
            continue
        v = e
        while isinstance(v, ast.Attribute):
            v = v.value
        if not isinstance(v, ast.Name):
            return []
        out.append(e.attr)
    return out


def is_type_checking(test):
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        v = test.value
        while isinstance(v, ast.Attribute):
            v = v.value
        return isinstance(v, ast.Name)
    return False


def reads_version(test):
    for n in ast.walk(test):
        if isinstance(n, ast.Name) and n.id in ("version_info", "hexversion"):
            return True
        if isinstance(n, ast.Attribute) and n.attr in ("version_info", "hexversion"):
            return True
    return False


def dynamic_call(node):
    f = node.func
    if isinstance(f, ast.Name) and f.id in ("__import__", "import_module"):
        call = f.id
    elif isinstance(f, ast.Attribute) and f.attr == "import_module" and isinstance(f.value, ast.Name) and f.value.id == "importlib":
        call = "importlib.import_module"
    else:
        return None
    if not node.args or isinstance(node.args[0], ast.Starred):
        return None
    a = node.args[0]
    value = a.value if isinstance(a, ast.Constant) else None  # 3.8+ parses every literal to Constant
    if not isinstance(value, str):
        return None
    return call, value


class Extractor:
    def __init__(self, calls):
        self.found = []  # (record, tries, fallback)
        # Statements never nest inside expressions, so a file that names neither
        # __import__ nor import_module needs no walk through expressions (5x faster).
        self.calls = calls

    def add(self, rec, ctx):
        typeonly, tries, fallback, versioned = ctx
        rec["typeOnly"] = typeonly
        rec["versionGuarded"] = versioned
        self.found.append((rec, tries, fallback))

    def visit(self, node, ctx):
        if not self.calls and isinstance(node, ast.expr):
            return
        typeonly, tries, fallback, versioned = ctx
        if isinstance(node, ast.Import):
            for a in node.names:
                self.add({"line": node.lineno, "kind": "import", "module": a.name, "level": 0}, ctx)
            return
        if isinstance(node, ast.ImportFrom):
            self.add({"line": node.lineno, "kind": "from", "module": node.module or "", "level": node.level or 0,
                      "names": [a.name for a in node.names]}, ctx)
            return
        if TRY_NODES and isinstance(node, TRY_NODES):
            t = {"guarded": False}
            for h in node.handlers:
                names = handler_names(h.type)
                if names is None or any(n in GUARDING for n in names):
                    t["guarded"] = True
            for s in node.body:
                self.visit(s, (typeonly, tries + [t], fallback, versioned))
            for h in node.handlers:
                names = handler_names(h.type)
                if h.type is not None:
                    self.visit(h.type, ctx)
                fb = names is None or any(n in FALLBACK for n in names)
                for s in h.body:
                    self.visit(s, (typeonly, tries, fallback or fb, versioned))
            for s in node.orelse + node.finalbody:
                self.visit(s, ctx)
            return
        if isinstance(node, ast.If):
            self.visit(node.test, ctx)
            chain = versioned or reads_version(node.test)
            inner = (typeonly or is_type_checking(node.test), tries, fallback, chain)
            for s in node.body:
                self.visit(s, inner)
            for s in node.orelse:  # an elif is an If here: its chain carries on
                self.visit(s, (typeonly, tries, fallback, chain))
            return
        if isinstance(node, ast.Call):
            d = dynamic_call(node)
            if d:
                self.add({"line": node.lineno, "kind": "dynamic", "module": d[1], "level": 0, "call": d[0]}, ctx)
        for child in ast.iter_child_nodes(node):
            self.visit(child, ctx)

    def result(self):
        out = []
        for rec, tries, fallback in self.found:
            rec["optional"] = bool(fallback or any(t["guarded"] for t in tries))
            out.append(rec)
        return out


def extract(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError) as e:
        return {"path": path, "error": "%s: %s" % (type(e).__name__, e)}
    ex = Extractor(b"__import__" in data or b"import_module" in data)
    ex.visit(tree, (False, [], False, False))
    return {"path": path, "imports": ex.result()}


def stdlib_files():
    root = sysconfig.get_paths()["stdlib"]
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("site-packages", "dist-packages", "__pycache__"))
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(d, f)


def main(argv):
    sys.setrecursionlimit(10000)
    files = stdlib_files() if argv[:1] == ["--stdlib"] else argv
    out = sys.stdout
    for p in files:
        out.write(json.dumps(extract(p)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
