"""The loop on silent mistakes (agent/codeact/pitfalls.py, outcome.refuted_pictures): code that runs and
still draws the wrong thing is refused, with the figure's facts in the observation; pictures found wrong
do not finish a later step; the mechanisms can be switched off; the self-check costs one step."""

from __future__ import annotations

from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig
from agent.models.scripted import ScriptedModel
from tests.agent.codeact.conftest import code
from tests.agent.codeact.test_loop import run_agent
from tools.session import PythonSession

XY_PICTURE = """import numpy as np
import matplotlib.pyplot as plt
width, height = 40, 30
img = np.zeros((width, height))
for x in range(width):
    for y in range(height):
        img[x, y] = x
plt.imshow(img, extent=[-2, 1, -1, 1])
plt.savefig('pic.png')
final_answer('Saved pic.png')"""


def test_a_silent_mistake_refuses_the_final_answer_and_says_what_is_wrong(session, tmp_path):
    """The code runs, saves a picture and claims the task: the array was filled [x, y] and drawn by
    imshow, so the picture is on its side. The loop says so (with what the picture shows) and
    goes on; the fixed code ends the run."""
    fixed = XY_PICTURE.replace("plt.imshow(img,", "plt.imshow(img.T, origin='lower',")
    _, agent = run_agent(session, tmp_path, [code(XY_PICTURE), code(fixed)])
    result = agent.run("Draw a picture of x over the plane and save it")
    assert result.stop_reason == "final_answer" and len(result.steps) == 2
    first = result.steps[0]
    assert first.final_answer is None and first.pitfalls and "img is filled as img[x, y]" in first.observation
    assert "An image of an array of shape (40, 30)" in first.observation  # the figure's facts
    assert "row 0 at the top, at y = 1" in first.observation
    assert result.steps[1].pitfalls == [] and "row 0 at the bottom, at y = -1" in result.steps[1].observation


def test_mechanisms_can_be_switched_off_and_the_self_check_costs_one_step(session, tmp_path):
    cfg = dict(pitfall_checks=False, figure_facts=False)
    _, agent = run_agent(session, tmp_path, [code(XY_PICTURE)], **cfg)
    result = agent.run("Draw a picture of x over the plane and save it")
    assert result.stop_reason == "final_answer" and "An image of an array" not in result.steps[0].observation
    check = code("assert 6 * 7 == 42\nfinal_answer('checked')")
    _, agent = run_agent(session, tmp_path, [code("print(6 * 7)\nfinal_answer('42')"), check], self_check=True)
    result = agent.run("Print six times seven")
    assert result.steps[0].self_check_asked and result.steps[0].final_answer is None
    assert "test your result" in result.steps[0].observation
    assert result.stop_reason == "final_answer" and result.final_answer == "checked" and len(result.steps) == 2


def test_a_picture_found_wrong_does_not_finish_a_later_step(session, tmp_path):
    """After the sideways picture was refused, code that saves no new picture (an .npy) and claims the
    task is refused too: the only picture there is the wrong one. Redrawing it right ends the run."""
    npy = code("import numpy as np\nnp.save('grid.npy', np.zeros(3))\nfinal_answer('Saved grid.npy')")
    fixed = XY_PICTURE.replace("plt.imshow(img,", "plt.imshow(img.T, origin='lower',")
    _, agent = run_agent(session, tmp_path, [code(XY_PICTURE), npy, code(fixed)])
    result = agent.run("Draw a picture of x over the plane and save it")
    assert [s.final_answer for s in result.steps] == [None, None, "Saved pic.png"]
    assert "the only pictures in the work folder (pic.png) were found wrong before" in result.steps[1].observation


def test_a_picture_left_by_failed_code_does_not_count(session, tmp_path):
    """The code failed after saving a figure (the README task's first reply: an empty figure_1.png);
    a later cell that prints numbers and claims the task did not draw the picture."""
    failing = code("import matplotlib.pyplot as plt\nplt.figure()\nplt.savefig('figure_1.png')\nraise ValueError('no')")
    claim = code("print([1, 2])\nfinal_answer('done')")
    _, agent = run_agent(session, tmp_path, [failing, claim, code(XY_PICTURE.replace("img[x, y]", "img[x][y]")
                                                                  .replace("plt.imshow(img,", "plt.imshow(img.T,"))])
    result = agent.run("Draw a picture of x over the plane and save it")
    assert [s.final_answer for s in result.steps] == [None, None, "Saved pic.png"]
    assert "(figure_1.png) were found wrong before" in result.steps[1].observation


TRANSPOSED_AFTER = """import numpy as np
import matplotlib.pyplot as plt
width, height = 80, 60
x = np.linspace(-2.5, 1.5, width)
y = np.linspace(-1.5, 1.5, height)
img = np.zeros((height, width))
for i in range(width):
    for j in range(height):
        img[j, i] = x[i] + 2 * y[j]
img = img.T
plt.imshow(img, extent=(-2.5, 1.5, -1.5, 1.5), origin='lower')
plt.savefig('pic.png')
final_answer('Saved pic.png')"""


def test_a_picture_whose_cells_are_square_only_with_rows_and_columns_swapped_is_refused(session, tmp_path):
    """Seen in a real run (13537eb, seed 4): the array filled [y, x] right, then transposed, and drawn
    over the window: nothing in the code reads as [x, y], but the figure's facts show an 80 x 60 array
    in a 4 x 3 window, each cell 1.78 times as wide as tall, square with rows and columns swapped."""
    fixed = TRANSPOSED_AFTER.replace("img = img.T\n", "")
    _, agent = run_agent(session, tmp_path, [code(TRANSPOSED_AFTER), code(fixed)])
    result = agent.run("Draw a picture of x + 2y over the plane and save it")
    assert [s.final_answer for s in result.steps] == [None, "Saved pic.png"]
    first = result.steps[0]
    assert len(first.pitfalls) == 1 and "img is filled" not in first.observation  # not read from the code
    assert ("pic.png: the image of an array of shape (80, 60) is drawn with each cell 1.78 times as wide as tall"
            in first.pitfalls[0])
    assert result.steps[1].pitfalls == []


def test_images_whose_cells_are_not_square_either_way_are_not_judged(session, tmp_path):
    """A 10 x 100 heatmap over a unit square (cells 10 times taller than wide; swapped, 10 times wider)
    and a square array: nothing says which way was meant, so neither is refused."""
    heat = ("import numpy as np\nimport matplotlib.pyplot as plt\n"
            "plt.imshow(np.random.rand(10, 100), extent=(0, 1, 0, 1))\nplt.savefig('heat.png')\n"
            "plt.figure()\nplt.imshow(np.random.rand(50, 50), extent=(0, 4, 0, 1), aspect='auto')\n"
            "plt.savefig('square.png')\nfinal_answer('Saved heat.png and square.png')")
    _, agent = run_agent(session, tmp_path, [code(heat)])
    result = agent.run("Draw a heatmap and save it")
    assert result.stop_reason == "final_answer" and result.steps[0].pitfalls == []


def test_failed_code_is_told_its_silent_mistake_too_and_fresh_attempts_learn_both(tmp_path):
    """Code that fails and would also draw the picture on its side: the observation names the error's
    hint and the silent mistake at once, so one fix can mend both; the fresh best-of-k attempts of the
    next step see the task with those mistakes named (AgentConfig.lessons), the repair sees the
    conversation; with lessons off they see the task alone."""
    failing = code(XY_PICTURE.replace("img[x, y] = x", "img[x, y] = x if img[x] > 0 else 0"))
    fixed = code(XY_PICTURE.replace("plt.imshow(img,", "plt.imshow(img.T, origin='lower',"))
    for lessons in (True, False):
        model = ScriptedModel(rule=lambda request, i: failing if request.params.temperature == 0 else fixed)
        with PythonSession(tmp_path / f"work-{lessons}") as work:
            agent = CodeAgent(model, work, AgentConfig(candidates=2, cell_timeout_s=30, lessons=lessons))
            result = agent.run("Draw a picture of x over the plane and save it")
        first = result.steps[0]
        assert "truth value of an array" in first.observation and "Hint: A function written for one number" in first.observation
        assert "Also wrong in this code, and still wrong once the error is fixed: img is filled as img[x, y]" in first.observation
        assert "Problem with the picture" not in first.observation  # no picture was drawn
        assert result.success and len(result.steps) == 2
        repair, fresh = model.calls[1], model.calls[2]
        assert len(repair.messages) == 4 and [m.role for m in fresh.messages] == ["system", "user"]
        task = fresh.messages[1].content
        assert task.startswith("Task: Draw a picture of x over the plane and save it")
        assert ("Earlier attempts at this task made these mistakes" in task) is lessons
        assert ("- A function written for one number" in task and "- An image array has shape (height, width)" in task) is lessons
        assert "img" not in task and ".T" not in task  # in general words: no names, no remedy that fits one array


def test_a_final_answer_that_names_a_picture_found_wrong_is_not_accepted(session, tmp_path):
    """Seed 2 at bd2d468: pic.png was refused as sideways; a later cell drew the picture right but saved it
    as figure_1.png and claimed pic.png, the file a person would open. That claim is refused; the cell that
    writes pic.png again ends the run."""
    right = XY_PICTURE.replace("plt.imshow(img,", "plt.imshow(img.T, origin='lower',")
    elsewhere = right.replace("plt.savefig('pic.png')", "plt.savefig('figure_1.png')")
    _, agent = run_agent(session, tmp_path, [code(XY_PICTURE), code(elsewhere), code(right)])
    result = agent.run("Draw a picture of x over the plane and save it")
    assert [s.final_answer for s in result.steps] == [None, None, "Saved pic.png"]
    assert "names pic.png, but that picture was found wrong before and this code did not draw it again" \
        in result.steps[1].observation
    assert result.success
