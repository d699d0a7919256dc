"""A picture task that names a size: the size read from the task and from the PNG header, and the
loop refusing a picture of another size (scripted replies, real sandbox session)."""

from __future__ import annotations

import pytest

from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig
from agent.models.scripted import ScriptedModel
from tests.agent.codeact.conftest import code


def test_a_picture_of_another_size_than_the_task_names_is_not_accepted(session, tmp_path):
    """'an 80x60 image': a figure saved at matplotlib's default size is refused with its size and how to
    save one pixel per value; the imsave of the 60-row, 80-column grid finishes the task."""
    head = "import numpy as np\nimport matplotlib.pyplot as plt\ny, x = np.mgrid[0:60, 0:80]\ndisc = (x - 40) ** 2 + (y - 30) ** 2 < 400\n"
    replies = [code(head + "plt.imshow(disc)\nplt.savefig('disc.png')\nfinal_answer('saved disc.png')"),
               code("final_answer('The task is already done.')"),
               code(head + "plt.imsave('disc.png', disc)\nfinal_answer('saved disc.png')")]
    agent = CodeAgent(ScriptedModel({"replies": replies}), session, AgentConfig(cell_timeout_s=30))
    result = agent.run("Draw a filled disc as an 80x60 image")
    first, claim = result.steps[0], result.steps[1]
    assert first.exec_result.ok and first.final_answer is None
    assert "Problem with the picture: disc.png is 640x480 pixels, but the task asks for 80x60" in first.observation
    # the line to add, where: the code drew on pyplot's default figure
    assert ("add the line `plt.figure(figsize=(0.8, 0.6), dpi=100)` just before line 5, `plt.imshow(disc)`"
            in first.observation), first.observation
    assert "keep the code that computes the picture as it is" in first.observation
    # a claim that writes nothing is checked against what is in the work dir, and told both ways to save
    assert claim.final_answer is None and "640x480" in claim.observation and "plt.imsave('disc.png'" in claim.observation
    assert result.success and len(result.steps) == 3


def test_the_figure_size_edit_follows_the_hint_to_the_size_asked(session):
    """Doing what the hint says (the figure made with that figsize and dpi, savefig without
    bbox_inches) saves a PNG of the size asked: the loop accepts it."""
    head = "import matplotlib.pyplot as plt\n"
    draw = "fig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])\nfig.savefig('line.png', bbox_inches='tight')\n"
    replies = [code(head + draw + "final_answer('saved line.png')")]
    agent = CodeAgent(ScriptedModel({"replies": replies}), session, AgentConfig(cell_timeout_s=30, max_steps=1))
    first = agent.run("Plot the line y = x as a 300x200 image").steps[0]
    edit = ("change line 2, `fig, ax = plt.subplots()`, to `fig, ax = plt.subplots(figsize=(3.0, 2.0), dpi=100)`, "
            "and make the savefig line `fig.savefig('line.png', dpi=100)`")
    assert edit in first.observation, first.observation
    fixed = head + draw.replace("plt.subplots()", "plt.subplots(figsize=(3.0, 2.0), dpi=100)").replace(
        "bbox_inches='tight'", "dpi=100")
    agent = CodeAgent(ScriptedModel({"replies": [code(fixed + "final_answer('saved line.png')")]}), session,
                      AgentConfig(cell_timeout_s=30, max_steps=1))
    assert agent.run("Plot the line y = x as a 300x200 image").success


@pytest.mark.parametrize(("source", "expected"), [
    # the last figure made before the first save is the one saved
    ("import matplotlib.pyplot as plt\nplt.figure()\nplt.figure(figsize=(4, 3))\nplt.imshow(a)\nplt.savefig('a.png')",
     "change line 3, `plt.figure(figsize=(4, 3))`, to `plt.figure(figsize=(8.0, 6.0), dpi=100)`."),
    # no figure made: one is made before the first drawing call, with the code's name for pyplot
    ("import matplotlib.pyplot as pyplot\npyplot.imshow(a)\npyplot.savefig('a.png', dpi=200)",
     "add the line `pyplot.figure(figsize=(8.0, 6.0), dpi=100)` just before line 2, `pyplot.imshow(a)`, "
     "and make the savefig line `pyplot.savefig('a.png', dpi=100)`"),
    ("from PIL import Image\nImage.fromarray(a).save('a.png')", None),  # no matplotlib figure: the general hint
    ("def broken(:", None),
])
def test_resize_edit(source, expected):
    from agent.codeact.figure_size import resize_edit

    edit = resize_edit(source, (800, 600))
    assert edit == expected if expected is None else expected in edit, edit


@pytest.mark.parametrize(("task", "size"), [
    ("Render the Mandelbrot set as an 800x600 image in Python.", (800, 600)),
    ("Draw a 400 by 300 picture of a circle", (400, 300)),
    ("Plot sin(x) as a 1024×768 PNG", (1024, 768)),
    ("Render the Mandelbrot set", None),
    ("Compute the mean of a 100x100 random matrix", None),  # a size, but no picture asked for
])
def test_asked_size(task, size):
    from agent.codeact.outcome import asked_size

    assert asked_size(task) == size


def test_png_size_reads_the_header(tmp_path):
    import matplotlib.pyplot as plt
    import numpy as np

    from tools.sandbox_runtime.playground_figure_facts import png_size

    plt.imsave(tmp_path / "a.png", np.zeros((30, 50)))
    (tmp_path / "b.png").write_bytes(b"not a png at all, just text")
    assert png_size(tmp_path / "a.png") == (50, 30)
    assert png_size(tmp_path / "b.png") is None and png_size(tmp_path / "missing.png") is None
