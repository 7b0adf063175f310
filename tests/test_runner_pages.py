"""The runner turns an executed notebook into a page: code folded, parameters removed, stderr moved out."""
import nbformat

from rppg_lib import runner


def _cell(source, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def test_prepare_for_page_tags_cells_and_removes_stderr():
    stdout = {"output_type": "stream", "name": "stdout", "text": "MAE 1.2\n"}
    stderr = {"output_type": "stream", "name": "stderr", "text": "x.py:1: UserWarning: careful\n"}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
                _cell('profile = "smoke"', ["parameters"]),
                _cell('profile = "book"', ["injected-parameters"]),
                _cell("run()", outputs=[stdout, stderr]),
                _cell("shown()", ["show-input"]),
                _cell("gone()", ["remove-cell"]),
                _cell("folded()", ["hide-input"]),
                _cell("no_code()", ["remove-input"])]
    removed = runner.prepare_for_page(nb)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags == [[], ["parameters", "remove-cell"], ["injected-parameters", "remove-cell"], ["hide-input"],
                    ["show-input"], ["remove-cell"], ["hide-input"], ["remove-input"]]
    assert nb.cells[3].outputs == [nbformat.from_dict(stdout)]
    assert removed == [{"cell": 3, "execution_count": None, "text": "x.py:1: UserWarning: careful\n"}]
    assert runner.prepare_for_page(nb) == [] and [c.metadata.get("tags", []) for c in nb.cells] == tags


def test_run_notebook_publishes_a_page_and_keeps_stderr_aside(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "smoke"')
    params.metadata["tags"] = ["parameters"]
    body = ("import sys, warnings\nimport pandas as pd\n"
            "print(pd.get_option('display.max_rows'), pd.get_option('display.max_columns'))\n"
            "warnings.warn('noisy')\nprint('to stderr', file=sys.stderr)")
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "demo.ipynb"
    nbformat.write(nb, source)
    out = runner.run_notebook(source, "book", out_dir=tmp_path / "out")
    page = nbformat.read(out, as_version=4)
    assert page.metadata["rppg"]["stderr"] == {"file": "demo.stderr.txt", "outputs": 1}
    cell = page.cells[-1]
    assert cell.metadata["tags"] == ["hide-input"]
    assert [o["name"] for o in cell.outputs] == ["stdout"]
    assert cell.outputs[0]["text"] == "None None\n"  # rppg_lib.display.setup ran in the kernel
    side = (tmp_path / "out" / "demo.stderr.txt").read_text()
    assert "UserWarning: noisy" in side and "to stderr" in side and "--- cell 2" in side
    assert "tags" not in nbformat.read(source, as_version=4).cells[1].metadata  # the source is untouched


def test_tables_show_words_and_a_dash_never_nan():
    import numpy as np
    import pandas as pd

    from rppg_lib.display import MISSING, frame_html

    df = pd.DataFrame({"train_seconds": [1.0, np.nan], "MAE (bpm)": [2.0, 3.0]},
                      index=pd.Index(["a", "b"], name="rung_name"))
    page = frame_html(df)
    assert "train seconds" in page and "rung name" in page and "train_seconds" not in page
    assert "NaN" not in page and MISSING in page and "no value" in page  # the dash is explained once
    assert "no value" not in frame_html(df.fillna(0.0))
