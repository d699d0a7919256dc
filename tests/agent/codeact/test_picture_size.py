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
    assert "plt.imsave('disc.png'" in first.observation and "the task is not done yet" in first.observation
    # a claim that writes nothing is checked against what is in the work dir
    assert claim.final_answer is None and "640x480" in claim.observation
    assert result.success and len(result.steps) == 3


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
