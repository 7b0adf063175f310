"""The notebooks hold no experiment code: no function or class definitions, no named lambdas, and no loop or
comprehension that trains or runs an experiment (those loops live in the chapter's home). Loops over a finished
table (plot columns, axes, rows to display) stay allowed. Checked on the sources with :mod:`ast`."""
import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: A call whose name starts with one of these trains a model or runs an experiment.
EXPERIMENT_PREFIXES = ("train", "run_", "svr_cross_validate", "search", "fit", "pretrain", "cross_validate")
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _code(nb_path: Path) -> str:
    """The notebook's code cells joined, IPython magics and shell lines left out."""
    nb = nbformat.read(str(nb_path), as_version=4)
    return "\n".join("\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                     for c in nb.cells if c.cell_type == "code")


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def shape_problems(source: str) -> list[str]:
    """What in ``source`` breaks the notebook rule: each definition, named lambda, and loop or comprehension
    that calls an experiment function (:data:`EXPERIMENT_PREFIXES`), with its line."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems.append(f"line {node.lineno}: definition of {node.name}")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            problems.append(f"line {node.lineno}: a lambda given a name")
        elif isinstance(node, LOOPS):
            calls = sorted({_call_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)
                            and _call_name(c).startswith(EXPERIMENT_PREFIXES)})
            if calls:
                problems.append(f"line {node.lineno}: a loop that calls {', '.join(calls)}")
    return problems


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_holds_no_experiment_code(nb_path):
    assert shape_problems(_code(nb_path)) == []


def test_the_rule_catches_definitions_and_experiment_loops_but_not_plot_loops():
    assert shape_problems("def rows(t):\n    return t\n") == ["line 1: definition of rows"]
    assert shape_problems("stack = lambda r: r\n") == ["line 1: a lambda given a name"]
    assert shape_problems("for s in seeds:\n    x = yx.train_and_test(s)\n") == [
        "line 1: a loop that calls train_and_test"]
    assert shape_problems("t = [h.svr_cross_validate(v, seed=s) for s in seeds]\n") == [
        "line 1: a loop that calls svr_cross_validate"]
    assert shape_problems("for col in t.columns:\n    ax.plot(t.index, t[col])\nfig.tight_layout()\n") == []
    assert shape_problems("best = min(runs, key=lambda r: r['rmse'])\nruns = gx.run_model(d)\n") == []
