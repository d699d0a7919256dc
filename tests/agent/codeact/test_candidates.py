"""Best-of-k after a failure (agent/codeact/candidates.py): the scripted backend samples
k replies, each runs in a real scratch session, the loop continues with the best."""

from __future__ import annotations

import json

import pytest

from agent.codeact.candidates import CandidateCheck, ScratchChecker, describe, pick, score
from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig, CandidatesChecked, TextDelta
from agent.models.scripted import ScriptedModel, count_text_tokens
from tests.agent.codeact.conftest import code
from tools.session import PythonSession

FAILING = code("print(undefined_name)")
DEFINES = code("def f():\n    open('x.txt', 'w').write('no')")
WORKS = code("open('out.txt', 'w').write('hi')\nfinal_answer('wrote out.txt')")
SIDE_EFFECT_THEN_FAIL = code("open('junk.txt', 'w').write('j')\nraise ValueError('boom')")


def candidate_rule(first: str, repairs: list[str], fresh: list[str]):
    """The first (greedy) call gets `first`; then sample i of a repair request (whole conversation)
    gets repairs[i], of a fresh request (system + task only) fresh[i]."""
    def rule(request, i):
        if request.prefill:  # continuing a reply that stopped before any code (agent/codeact/continuation.py)
            return "(still no code)"
        if len(request.messages) <= 2:
            return first if request.params.temperature == 0 else fresh[i % len(fresh)]
        return repairs[i % len(repairs)]
    return rule


def test_failed_code_then_best_of_k_picks_the_candidate_that_works(session, tmp_path):
    events: list = []
    model = ScriptedModel(rule=candidate_rule(FAILING, repairs=[SIDE_EFFECT_THEN_FAIL],
                                              fresh=[FAILING, DEFINES, WORKS]))
    agent = CodeAgent(model, session, AgentConfig(candidates=4, cell_timeout_s=30), on_event=events.append,
                      transcript_path=tmp_path / "t.json")
    result = agent.run("Write out.txt")
    assert result.success and result.final_answer == "wrote out.txt"
    assert len(result.steps) == 2 and len(model.calls) == 3
    repair_call, fresh_call = model.calls[1], model.calls[2]
    # a quarter (at least one) repair the conversation, the rest start afresh from the task
    assert repair_call.params.n == 1 and repair_call.params.temperature == 0.7 and len(repair_call.messages) == 4
    assert fresh_call.params.n == 3 and [m.role for m in fresh_call.messages] == ["system", "user"]
    step = result.steps[1]
    # repair and fresh interleaved; the repeat of the failed code scores lowest
    assert [(c["kind"], c["score"]) for c in step.candidates] == [("repair", 1), ("fresh", 0), ("fresh", 2),
                                                                  ("fresh", 4)]
    assert step.chosen_candidate == 3 and step.reply == WORKS and step.code.startswith("open('out.txt'")
    # all four samples are paid for; each request's prompt once
    assert step.tokens.completion == sum(count_text_tokens(r) for r in
                                         [SIDE_EFFECT_THEN_FAIL, DEFINES, WORKS, FAILING])
    assert step.tokens.prompt == model.count_tokens(repair_call.messages) + model.count_tokens(fresh_call.messages)
    # scratch sessions leave nothing in the real work dir: only the chosen code's file is there
    assert sorted(p.name for p in session.workdir.iterdir()) == ["out.txt"]
    checked = [e for e in events if isinstance(e, CandidatesChecked)]
    assert len(checked) == 1 and checked[0].chosen == 3 and checked[0].sampled == 4
    # it finished the task in its scratch run: that run was adopted, not run a second time
    assert step.adopted and step.exec_s == 0.0 and step.exec_result.files == ["out.txt"]
    assert any(isinstance(e, TextDelta) and e.text == WORKS for e in events)
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["steps"][1]["chosen_candidate"] == 3 and len(data["steps"][1]["candidates"]) == 4
    assert data["steps"][1]["check_s"] > 0 and data["steps"][1]["adopted"] is True


def test_a_finished_scratch_run_is_adopted_and_an_unfinished_one_runs_for_real(session, tmp_path):
    """The candidate that ends the run is taken over with its files (its code does not run again: the
    real session never defined its variable); a candidate that works but does not finish runs in the
    real session, so its variables are there for the next step."""
    token_file = code("import uuid\ntoken = uuid.uuid4().hex\nopen('token.txt', 'w').write(token)\n"
                      "print(token)\nfinal_answer('wrote token.txt')")
    model = ScriptedModel(rule=candidate_rule(FAILING, repairs=[FAILING], fresh=[token_file]))
    result = CodeAgent(model, session, AgentConfig(candidates=2, cell_timeout_s=30)).run("Write token.txt")
    step = result.steps[1]
    assert result.success and step.adopted and result.files == ["token.txt"]
    written = (session.workdir / "token.txt").read_text()
    assert len(written) == 32 and written in step.exec_result.stdout and written in step.observation
    assert session.run("print('token' in globals())", timeout_s=30).stdout.strip() == "False"

    unfinished = code("value = 41 + 1\nprint(value)")
    step_two = candidate_rule(FAILING, repairs=[FAILING], fresh=[unfinished])

    def rule(request, i):  # after the candidate's step, the greedy reply uses its variable
        if len(request.messages) > 2 and request.params.temperature == 0:
            return code("final_answer(value)")
        return step_two(request, i)
    model = ScriptedModel(rule=rule)
    with PythonSession(tmp_path / "second") as fresh_session:
        result = CodeAgent(model, fresh_session, AgentConfig(candidates=2, cell_timeout_s=30)).run("Compute it")
    assert not result.steps[1].adopted and result.steps[1].exec_s > 0
    assert result.success and result.final_answer == "42"


def test_candidates_see_the_state_of_earlier_successful_cells(session, tmp_path):
    first = code("base = 40")
    then_fail = code("print(base + missing)")
    uses_state = code("print(base + 2)\nfinal_answer(base + 2)")

    def rule(request, i):
        n_user = sum(m.role == "user" for m in request.messages)
        if n_user == 1:  # the first call, or a fresh attempt
            return first if request.params.temperature == 0 else code("print(nothing_here)")
        return then_fail if n_user == 2 else uses_state

    model = ScriptedModel(rule=rule)
    agent = CodeAgent(model, session, AgentConfig(candidates=2, cell_timeout_s=30))
    result = agent.run("Add two to base")
    assert result.final_answer == "42"
    # step 2 was greedy (the previous code had succeeded), step 3 best-of-2: 1 repair + 1 fresh
    assert [c.params.n for c in model.calls] == [1, 1, 1, 1]
    assert [c["kind"] for c in result.steps[2].candidates] == ["repair"]  # top score at once: fresh not run
    assert result.steps[2].chosen_candidate == 0


def test_no_candidates_after_success_or_when_off(session, tmp_path):
    model = ScriptedModel({"replies": [FAILING, WORKS]})
    agent = CodeAgent(model, session, AgentConfig(candidates=1, cell_timeout_s=30))
    result = agent.run("Write out.txt")
    assert result.success and [c.params.n for c in model.calls] == [1, 1]
    assert all(not s.candidates for s in result.steps)


def test_when_every_candidate_fails_the_earliest_best_is_used(session, tmp_path):
    repeat = FAILING
    other = code("print(also_undefined)")
    model = ScriptedModel(rule=candidate_rule(FAILING, repairs=[repeat], fresh=[other, "no code at all"]))
    agent = CodeAgent(model, session, AgentConfig(candidates=3, cell_timeout_s=30, max_steps=2))
    result = agent.run("Do something")
    assert result.stop_reason == "max_steps"
    step = result.steps[1]
    # the repeat of the failed code scores below a new failure; no code scores lowest
    assert [c["score"] for c in step.candidates] == [0, 1, -1]
    assert step.chosen_candidate == 1 and step.reply == other


def test_scratch_checker_copies_the_work_dir(tmp_path):
    work = tmp_path / "work"
    with PythonSession(workdir=work) as s:
        (work / "data.csv").write_text("a\n1\n2\n")
        checker = ScratchChecker(s, history=[], timeout_s=30)
        c = checker.check(0, code("print(sum(int(x) for x in open('data.csv').read().split()[1:]))"))
        assert c.ok and c.printed and c.score == 4
        c = checker.check(1, code("final_answer('saved plot.png')"))
        assert c.missing_files == ["plot.png"] and c.score == 2
        assert "plot.png" in describe(c)
    assert sorted(p.name for p in work.iterdir()) == ["data.csv"]


def test_earlier_cells_are_replayed_only_for_a_candidate_that_reads_their_names(tmp_path):
    """The earlier cell appends to a file once in the real session; a candidate that reads only the
    file (no name the cell binds) sees one mark, so the cell was not run again for it; one that reads
    the cell's variable sees the cell run again in its scratch session (two marks) and its value."""
    work = tmp_path / "work"
    earlier = "import numpy as np\nopen('marks.txt', 'a').write('x')\nlimit = 7"
    with PythonSession(workdir=work) as s:
        assert s.run(earlier, timeout_s=30).ok
        checker = ScratchChecker(s, history=[earlier], timeout_s=30)
        alone = checker.check(0, code("import numpy as np\nprint(open('marks.txt').read(), np.pi > 3)"))
        assert alone.ok and not alone.replayed
        uses = checker.check(1, code("print(open('marks.txt').read(), limit)\nfinal_answer(limit)"))
        assert uses.ok and uses.replayed and uses.final_answer == "7"
        assert checker.adopt(1).stdout.startswith("xx 7")
        assert checker.adopt(0) is None  # it gave no final answer
        checker.close()
    assert (work / "marks.txt").read_text() == "x"  # nothing reached the real work dir


def test_score_and_pick_on_crafted_checks():
    ran_silently = CandidateCheck(index=0, reply="r", code="x = 1", ok=True)
    printed = CandidateCheck(index=1, reply="r", code="print(1)", ok=True, printed=True)
    wrote = CandidateCheck(index=2, reply="r", code="...", ok=True, files=["a.png"])
    unclosed = CandidateCheck(index=3, reply="r", code=None, problem="unclosed_block")
    assert [score(c) for c in (ran_silently, printed, wrote, unclosed)] == [3, 4, 4, -1]
    for c in (ran_silently, printed, wrote, unclosed):
        c.score = score(c)
    assert pick([ran_silently, printed, wrote, unclosed]).index == 1  # ties go to the earliest
    assert "a.png" in describe(wrote) and "unclosed_block" in describe(unclosed)


def test_playground_run_shows_the_candidates(tmp_path, capsys):
    from playground.cli import main

    script = tmp_path / "script.yaml"
    script.write_text(
        "rules:\n"
        "  - match: 'Fix the error'\n"
        "    replies: [\"Again.\\n```python\\nprint(still_undefined)\\n```\\n\"]\n"
        "  - match: 'write ok'\n"
        "    replies:\n"
        "      - \"First try.\\n```python\\nprint(undefined_name)\\n```\\n\"\n"
        "      - \"Fixed.\\n```python\\nopen('ok.txt', 'w').write('ok')\\nfinal_answer('wrote ok.txt')\\n```\\n\"\n")
    work = tmp_path / "work"
    code = main(["run", "write ok.txt", "--backend", "scripted", "--model", str(script),
                 "--workdir", str(work), "--candidates", "4"])
    out = capsys.readouterr().out
    assert code == 0 and (work / "ok.txt").read_text() == "ok"
    assert "sampled 4 replies" in out and "#1: repair: failed: NameError" in out
    assert "-> #2: fresh: ran, wrote ok.txt" in out and "(the other 2 not needed)" in out
    assert main(["run", "x", "--backend", "scripted", "--model", str(script), "--candidates", "0"]) == 2


def test_a_visual_task_needs_an_image(session, tmp_path):
    """Asked for a plot, a candidate that only prints ranks below one that saves an image, and a
    final answer with no image in the work dir is not accepted."""
    prints = code("print([x * x for x in range(5)])\nfinal_answer('computed the parabola')")
    saves = code("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                 "plt.plot([x * x for x in range(5)])\nplt.savefig('p.png')\nfinal_answer('saved p.png')")
    model = ScriptedModel(rule=candidate_rule(prints, repairs=[code("print(list(range(6)))\nfinal_answer('computed it')")], fresh=[prints, saves]))
    agent = CodeAgent(model, session, AgentConfig(candidates=3, cell_timeout_s=30, max_steps=3))
    result = agent.run("Plot a parabola")
    first = result.steps[0]
    assert first.final_answer is None and "no image file" in first.observation
    step = result.steps[1]
    assert [c["score"] for c in step.candidates] == [3, 0, 4] and step.chosen_candidate == 2
    assert result.success and result.final_answer == "saved p.png" and (session.workdir / "p.png").is_file()


def test_wants_image_and_has_image(tmp_path):
    from agent.codeact.outcome import has_image, wants_image

    assert wants_image("Write a mandelbrot fractal algorithm in Python")
    assert wants_image("Draw a histogram of 1000 random numbers") and wants_image("Plot y = x**2")
    assert not wants_image("Print all prime numbers below 50")
    assert not wants_image("Create a CSV file data.csv and print the mean score")
    assert not has_image(tmp_path) and not has_image(None)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("x")
    assert not has_image(tmp_path)
    (tmp_path / "sub" / "f.PNG").write_bytes(b"png")
    assert has_image(tmp_path)


def test_a_picture_that_shows_nothing_does_not_finish_a_visual_task(session, tmp_path):
    """imshow of a list of points saves a PNG, but the sandbox notes that the picture cannot show the
    shape: the final answer is refused with that note, and best-of-k prefers a candidate whose
    picture is a real grid of values."""
    head = "import numpy as np\nimport matplotlib.pyplot as plt\n"
    points = code(head + "pts = [(x, y) for x in range(60) for y in range(60) if (x - 30) ** 2 + (y - 30) ** 2 < 400]\n"
                  "plt.imshow(pts)\nplt.savefig('disc.png')\nfinal_answer('saved disc.png')")
    grid = code(head + "y, x = np.mgrid[0:60, 0:60]\nplt.imshow((x - 30) ** 2 + (y - 30) ** 2 < 400)\n"
                "plt.savefig('disc.png')\nfinal_answer('saved disc.png')")
    model = ScriptedModel(rule=candidate_rule(points, repairs=[points], fresh=[points.replace("400", "401"), grid]))
    agent = CodeAgent(model, session, AgentConfig(candidates=3, cell_timeout_s=30, max_steps=3))
    result = agent.run("Draw a filled disc")
    first = result.steps[0]
    assert first.exec_result.ok and first.exec_result.figures == ["disc.png"] and first.final_answer is None
    assert "Problem with the picture: imshow was given an array of shape" in first.observation
    assert "the task is not done yet" in first.observation
    step = result.steps[1]
    assert [c["score"] for c in step.candidates] == [0, 3, 4] and step.chosen_candidate == 2
    assert describe(CandidateCheck(**step.candidates[1])) == "fresh: ran, wrote disc.png, but the picture shows nothing"
    assert result.success and result.steps[1].exec_result.plot_warnings == []




@pytest.mark.parametrize(("task", "picture"), [
    ("Write a mandelbrot fractal algorithm in Python", True),  # a fractal is a picture
    ("Render the Julia set", True),
    ("Make a drawing of a house with turtle", True),
    ("Visualize the distribution of ages", True),
    ("Save the result as out.webp", True),
    ("Show the sales per month as a bar chart", True),
    ("Is c = -1 in the Mandelbrot set? Print True or False.", False),  # a named set is not a picture
    ("Compute how many points of a 100x100 grid lie in the Julia set for c = 0.3", False),
    ("Print all prime numbers below 50", False),
    ("Create a CSV file data.csv and print the mean score", False),
    ("Figure out how many apples are left and print it", False),
    ("Draw 1000 random samples from a normal distribution and print their mean", False),
])
def test_picture_tasks_are_recognised_by_what_they_ask_for(task, picture):
    from agent.codeact.outcome import wants_image

    assert wants_image(task) is picture
