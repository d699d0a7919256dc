"""The agent loop with the scripted backend against the real sandbox session."""

from __future__ import annotations

import json

import pytest

from agent.codeact.loop import CodeAgent
from agent.codeact.types import (
    AgentConfig,
    CodeExecuted,
    CodeReady,
    ContextTrimmed,
    FormatRejected,
    RunFinished,
    StepStarted,
    TextDelta,
)
from agent.models.scripted import ScriptedModel
from tests.agent.codeact.conftest import F, code


def run_agent(session, tmp_path, replies=None, rule=None, events=None, **cfg):
    model = ScriptedModel({"replies": replies} if replies else None, rule=rule)
    agent = CodeAgent(model, session, AgentConfig(**{"cell_timeout_s": 30, **cfg}),
                      on_event=events.append if events is not None else None,
                      transcript_path=tmp_path / "t.json")
    return model, agent


def test_success_in_one_step(session, tmp_path):
    events: list = []
    model, agent = run_agent(session, tmp_path, [code("x = 6 * 7\nprint(x)\nfinal_answer(x)")], events=events)
    result = agent.run("Compute 6*7")
    assert result.success and result.stop_reason == "final_answer"
    assert result.final_answer == "42"
    assert len(result.steps) == 1 and len(model.calls) == 1
    step = result.steps[0]
    assert step.exec_result.ok and "42" in step.observation
    assert "<<FINAL_ANSWER>>" not in step.observation
    kinds = [type(e) for e in events]
    assert kinds[0] is StepStarted and TextDelta in kinds
    assert kinds.index(CodeReady) < kinds.index(CodeExecuted) < kinds.index(RunFinished) == len(kinds) - 1
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == step.reply
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["stop_reason"] == "final_answer" and data["success"] is True and data["final_answer"] == "42"
    assert data["steps"][0]["code"].startswith("x = 6 * 7")
    assert data["steps"][0]["exec_result"]["ok"] is True
    assert data["initial_messages"][1]["content"].endswith("Compute 6*7")
    assert data["config"]["agent"]["max_steps"] == 10 and data["model"]["backend"] == "scripted"


def test_error_goes_back_to_the_model_and_is_fixed(session, tmp_path):
    replies = [code("def inv(x):\n    return 1 / x\nprint(inv(0))"),
               code("print(inv(4))", "Division by zero; use 4."),
               "The result is 0.25. Done."]
    model, agent = run_agent(session, tmp_path, replies)
    result = agent.run("Invert a number")
    assert result.stop_reason == "done" and result.success
    assert len(result.steps) == 3
    first, second = result.steps[0], result.steps[1]
    assert not first.exec_result.ok and "ZeroDivisionError" in first.observation
    # the model saw the error in its next prompt, and the session kept `inv`
    assert "ZeroDivisionError" in model.calls[1].messages[-1].content
    assert second.exec_result.ok and "0.25" in second.exec_result.stdout
    # greedy first; the reply after failed code is sampled (seeded) so it need not resend the same bug;
    # back to greedy once the code works
    temps = [c.params.temperature for c in model.calls]
    assert temps == [0.0, 0.7, 0.0]
    assert model.calls[1].params.seed == 2


def test_step_limit(session, tmp_path):
    _, agent = run_agent(session, tmp_path, [code("print('working')")], max_steps=3)
    result = agent.run("Never finish")
    assert result.stop_reason == "max_steps" and not result.success
    assert len(result.steps) == 3


def test_format_errors_are_corrected_then_capped(session, tmp_path):
    events: list = []
    model, agent = run_agent(session, tmp_path, ["I think the answer is 5.", f"{F}bash\nls\n{F}"],
                             events=events, max_format_errors=3)
    result = agent.run("Count files")
    assert result.stop_reason == "format_errors"
    assert len(result.steps) == 3
    assert [s.format_problem for s in result.steps] == ["no_code", "no_python_block", "no_python_block"]
    assert sum(isinstance(e, FormatRejected) for e in events) == 3
    # each corrective message reached the model
    assert "python" in model.calls[1].messages[-1].content.lower()
    assert all(s.exec_result is None for s in result.steps)


def test_format_error_count_resets_after_good_code(session, tmp_path):
    replies = ["no code", "still none", code("1 / 0"), "no code", "again none", code("final_answer('ok')")]
    _, agent = run_agent(session, tmp_path, replies, max_format_errors=3)
    result = agent.run("t")
    assert result.stop_reason == "final_answer" and len(result.steps) == 6


def test_final_answer_only_when_called(session, tmp_path):
    replies = [code("def report():\n    final_answer('never')\nprint('defined')"),
               code("raise ValueError('boom')"),
               code("report()")]
    _, agent = run_agent(session, tmp_path, replies)
    result = agent.run("t")
    assert result.stop_reason == "final_answer" and result.final_answer == "never"
    assert len(result.steps) == 3
    # a failed execution followed by a reply without code is not "done"
    _, agent2 = run_agent(session, tmp_path, [code("1/0"), "All done!"], max_format_errors=1)
    assert agent2.run("t").stop_reason == "format_errors"


def test_repeated_failing_code_is_pointed_out(session, tmp_path):
    _, agent = run_agent(session, tmp_path, [code("1/0")], max_steps=2)
    result = agent.run("t")
    assert "same code that failed before" not in result.steps[0].observation
    assert "same code that failed before" in result.steps[1].observation


def test_figures_and_files_are_reported(session, tmp_path):
    src = ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
           "plt.plot([1, 2, 3])\nplt.savefig('line.png')\nopen('data.csv', 'w').write('a,b\\n1,2\\n')\n"
           "final_answer('saved')")
    _, agent = run_agent(session, tmp_path, [code(src)])
    result = agent.run("Plot a line")
    assert result.success
    assert "line.png" in result.files and "data.csv" in result.files
    assert (session.workdir / "line.png").is_file()
    assert "line.png" in result.steps[0].observation


def test_transcript_complete_after_a_crash_mid_run(session, tmp_path):
    def rule(request, index):
        if len([m for m in request.messages if m.role == "assistant"]) == 1:
            raise RuntimeError("backend died")
        return code("print('step one')")

    _, agent = run_agent(session, tmp_path, rule=rule)
    with pytest.raises(RuntimeError, match="backend died"):
        agent.run("Crash on the second step")
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["stop_reason"] == "error" and "backend died" in data["error"]
    assert data["finished_at"] is not None
    assert len(data["steps"]) == 2
    assert data["steps"][0]["exec_result"]["stdout"] == "step one\n"
    assert data["steps"][0]["messages"][0]["role"] == "assistant"
    # the program's error was never shown to the model as an observation
    assert all("backend died" not in json.dumps(s["messages"]) for s in data["steps"])


def test_interrupt_is_recorded(session, tmp_path):
    def rule(request, index):
        if len(request.messages) > 2:
            raise KeyboardInterrupt
        return code("print(1)")

    _, agent = run_agent(session, tmp_path, rule=rule)
    result = agent.run("t")
    assert result.stop_reason == "interrupted"
    assert json.loads((tmp_path / "t.json").read_text())["stop_reason"] == "interrupted"


def test_token_budget(session, tmp_path):
    _, agent = run_agent(session, tmp_path, [code("print('a fairly long output line')")],
                         max_tokens_total=600)
    result = agent.run("t")
    assert result.stop_reason == "token_budget"
    used = result.prompt_tokens + result.completion_tokens
    assert used <= 600 and len(result.steps) >= 1


def test_prompt_tokens_sent_and_evaluated_are_counted_per_step_and_for_the_run(session, tmp_path):
    # step 1 streams (greedy), step 2 samples best-of-2 after the error: both report what they evaluated
    _, agent = run_agent(session, tmp_path, [code("print(undefined_name)"), code("final_answer('ok')")],
                         candidates=2)
    result = agent.run("t")
    assert result.success and len(result.steps) == 2
    assert [s.tokens.evaluated for s in result.steps] == [s.tokens.prompt for s in result.steps]  # caches nothing
    assert result.prompt_tokens_evaluated == result.prompt_tokens == sum(s.tokens.prompt for s in result.steps)
    usage = json.loads((tmp_path / "t.json").read_text())["usage"]
    assert usage == {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                     "prompt_tokens_evaluated": result.prompt_tokens}
    saved = json.loads((tmp_path / "t.json").read_text())["steps"]
    assert [st["tokens"]["evaluated"] for st in saved] == [s.tokens.evaluated for s in result.steps]


def test_context_trimming_keeps_the_run_going(session, tmp_path):
    events: list = []
    model = ScriptedModel({"replies": [code("print('word ' * 120)")]}, context_length=700)
    agent = CodeAgent(model, session, AgentConfig(max_steps=8, max_tokens_per_step=100),
                      on_event=events.append)
    result = agent.run("Loop")
    assert result.stop_reason == "max_steps"
    assert any(isinstance(e, ContextTrimmed) for e in events)
    for req in model.calls:  # system prompt and task always kept
        assert req.messages[0].role == "system" and req.messages[1].content.startswith("Task:")
        assert model.count_tokens(req.messages) <= 700 - 64


def test_native_tool_calls(session, tmp_path):
    call = '<tool_call>\n{"name": "python", "arguments": {"code": "final_answer(2 + 3)"}}\n</tool_call>'
    model, agent = run_agent(session, tmp_path, [call], native_tools=True)
    result = agent.run("Add")
    assert result.final_answer == "5"
    assert "<tools>" in model.calls[0].messages[0].content
    assert agent.messages[-1].role == "tool"


def test_session_restart_redefines_final_answer(session, tmp_path):
    replies = [code("import time\ntime.sleep(30)"), code("final_answer('after restart')")]
    _, agent = run_agent(session, tmp_path, replies, cell_timeout_s=1)
    result = agent.run("t")
    assert result.steps[0].exec_result.timed_out
    assert "longer than 1 seconds" in result.steps[0].observation
    assert result.final_answer == "after restart"


def test_playground_run_command(tmp_path, capsys):
    from playground.cli import main

    script = tmp_path / "script.yaml"
    script.write_text(
        "replies:\n"
        "  - |\n"
        "    I will write the file.\n"
        "    ```python\n"
        "    open('hello.txt', 'w').write('hi')\n"
        "    final_answer('wrote hello.txt')\n"
        "    ```\n")
    work, transcript = tmp_path / "work", tmp_path / "run.json"
    code = main(["run", "write hello.txt", "--backend", "scripted", "--model", str(script),
                 "--workdir", str(work), "--transcript", str(transcript)])
    out = capsys.readouterr().out
    assert code == 0
    assert (work / "hello.txt").read_text() == "hi"
    assert str(work / "hello.txt") in out and "final answer: wrote hello.txt" in out
    assert json.loads(transcript.read_text())["success"] is True

    never = tmp_path / "never.yaml"
    never.write_text("replies: ['I cannot do that.']\n")
    code = main(["run", "impossible", "--backend", "scripted", "--model", str(never), "--max-steps", "2",
                 "--workdir", str(tmp_path / "w2")])
    assert code == 1
    assert (tmp_path / "w2.transcript.json").is_file()
    assert main(["run", "x", "--backend", "scripted", "--model", str(never), "--max-steps", "0"]) == 2


def test_code_that_only_defines_functions_is_pointed_out(session, tmp_path):
    replies = [code("def square(x):\n    return x * x"),
               "Done.",  # a no-code reply does not end the run: nothing was computed yet
               code("print(square(7))\nfinal_answer('49')")]
    model, agent = run_agent(session, tmp_path, replies)
    result = agent.run("Square 7")
    assert result.stop_reason == "final_answer" and result.final_answer == "49"
    assert "never called them" in result.steps[0].observation
    assert result.steps[1].format_problem == "no_code"


def test_final_answer_naming_a_missing_file_is_not_accepted(session, tmp_path):
    replies = [code("final_answer('Saved the plot to plot.png')"),
               code("open('plot.png', 'wb').write(b'png')\nfinal_answer('Saved the plot to plot.png')")]
    _, agent = run_agent(session, tmp_path, replies)
    result = agent.run("Make plot.png")
    assert len(result.steps) == 2 and result.stop_reason == "final_answer"
    assert "no such file" in result.steps[0].observation and result.steps[0].final_answer is None
    assert (tmp_path / "work" / "plot.png").is_file()


def test_plot_warnings_do_not_block_a_task_that_asks_for_no_picture(session, tmp_path):
    reply = code("import matplotlib.pyplot as plt\nplt.imshow([[0, 0], [0, 0]])\nprint(42)\nfinal_answer('42')")
    _, agent = run_agent(session, tmp_path, [reply])
    result = agent.run("Print the answer to everything")
    assert result.success and result.final_answer == "42"
    assert "Problem with the picture: imshow was given an array whose values are all 0" in result.steps[0].observation




def test_the_models_own_final_answer_is_left_out_and_its_call_ends_the_run(session, tmp_path):
    """Seed 6 of a measured run drew the picture right at its last step, then called a final_answer
    of its own that only printed: the run hit the step limit. Seed 5's own called itself."""
    for own in ("def final_answer(result):\n    print(result)\n", "def final_answer(r):\n    final_answer(r)\n"):
        model, agent = run_agent(session, tmp_path, [code(f"x = 6 * 7\n{own}\nfinal_answer(x)")])
        result = agent.run("Compute 6*7")
        assert result.success and result.final_answer == "42" and len(result.steps) == 1
        assert "that definition was left out" in result.steps[0].observation


def test_code_that_binds_final_answer_otherwise_is_not_run_and_the_model_is_told(session, tmp_path):
    own = code("for final_answer in range(3):\n    print(final_answer)")
    model, agent = run_agent(session, tmp_path, [own, code("final_answer(6 * 7)")])
    result = agent.run("Compute 6*7")
    assert result.success and result.final_answer == "42" and len(result.steps) == 2
    assert result.steps[0].format_problem == "redefines_tool" and result.steps[0].exec_result is None
    assert "Do not define or assign final_answer" in model.calls[1].messages[-1].content
