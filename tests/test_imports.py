"""The package's import graph, read from the source with ast (nothing is imported): no cycle among
rppg_lib's modules, imports inside functions included; the core imports no chapter home; no foundation
chapter imports a paper's home or reads a paper's numbers by its key."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rppg_lib"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """Dotted name of a source file of ``package`` (a package's ``__init__.py`` is the package)."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str], package: Path = PACKAGE) -> set[str]:
    """The modules of ``modules`` that the file imports, at any depth of its code (functions too).
    ``from X import name`` counts as X.name when that is a module, else as X."""
    name = module_name(path, package)
    here = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                found.add(f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target)
    return {m for m in found if m in modules and m != name}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    return {m: imports_of(p, set(files), package) for m, p in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_home(module: str) -> bool:
    return module.startswith(("rppg_lib.papers.", "rppg_lib.foundations."))


def test_no_import_cycle_among_the_modules():
    assert cycles(import_graph()) == []


#: Core modules that drive every home from outside (as the runner drives every notebook), and why.
DRIVERS = {"rppg_lib.paper_check": "builds and trains every paper's networks at the paper profile's shapes"}


def test_the_core_imports_no_home():
    graph = import_graph()
    wrong = {m: sorted(d for d in deps if _is_home(d)) for m, deps in graph.items() if not _is_home(m)
             and m not in ("rppg_lib.papers", "rppg_lib.foundations", *DRIVERS)}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_no_foundation_imports_or_reads_a_paper_home():
    graph = import_graph()
    papers = {p.name for p in (PACKAGE / "papers").iterdir() if (p / "__init__.py").is_file()}
    assert papers, "no paper homes found"
    for path in (PACKAGE / "foundations").rglob("*.py"):
        m = module_name(path)
        assert not [d for d in graph[m] if d.startswith("rppg_lib.papers")], m
        # a paper's numbers are read by its key (results.reported(key, ...)); a foundation names none
        keys = {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)} & papers
        assert not keys, f"{m} names paper homes {sorted(keys)}"


def test_the_graph_sees_imports_inside_functions_and_finds_a_cycle(tmp_path):
    pkg = tmp_path / "rppg_lib"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n    return b\n")
    (pkg / "sub" / "b.py").write_text("from ..a import f\n")
    (pkg / "c.py").write_text("import rppg_lib.a\n")
    graph = import_graph(pkg)
    assert graph["rppg_lib.a"] == {"rppg_lib.sub.b"} and graph["rppg_lib.sub.b"] == {"rppg_lib.a"}
    assert graph["rppg_lib.c"] == {"rppg_lib.a"}
    assert cycles(graph) == [["rppg_lib.a", "rppg_lib.sub.b"]]
