"""Reading replies: code blocks, format problems, tool calls, final answers; observations."""

from __future__ import annotations

import pytest

from agent.codeact.code_blocks import (
    FINAL_ANSWER_MARKER,
    FINAL_ANSWER_PRELUDE,
    mentioned_files,
    only_defines,
    parse_reply,
    split_final_answer,
)
from agent.codeact.observation import clip, render_observation, trim_traceback
from tools.types import ExecResult

FENCE = "```"


@pytest.mark.parametrize(
    ("reply", "code", "problem"),
    [
        (f"Let me compute.\n{FENCE}python\nprint(1)\n{FENCE}\n", "print(1)\n", None),
        (f"{FENCE}py\nx = 2\n{FENCE}", "x = 2\n", None),
        (f"{FENCE}\nprint('bare')\n{FENCE}", "print('bare')\n", None),
        # two python blocks are joined in order
        (f"{FENCE}python\ndef f():\n    return 3\n{FENCE}\nUsage:\n{FENCE}python\nprint(f())\n{FENCE}",
         "def f():\n    return 3\n\n\nprint(f())\n", None),
        # an unlabelled block next to a python block is output, not code
        (f"{FENCE}python\nprint(2)\n{FENCE}\nOutput:\n{FENCE}\n2\n{FENCE}", "print(2)\n", None),
        # bash only: nothing to run
        (f"{FENCE}bash\npip install numpy\n{FENCE}", None, "no_python_block"),
        (f"{FENCE}python\n\n{FENCE}", None, "empty_block"),
        # a template's placeholder comment is no code (a greedy rut of 8 steps in one measured run)
        (f"I will continue.\n{FENCE}python\n# Your code\n{FENCE}", None, "empty_block"),
        # code that does not parse is still code: running it tells the model what is wrong
        (f"{FENCE}python\n# fix\nprint(1\n{FENCE}", "# fix\nprint(1\n", None),
        # left open but the model stopped: run it
        (f"Here:\n{FENCE}python\nprint(5)\n", "print(5)\n", None),
        ("The answer is 4.", None, None),
        # code that would hide the session's final_answer is refused (a measured run recursed in its own)
        # the reply's own top-level final_answer is left out (lines kept blank), so its calls reach the
        # session's (measured runs defined one that only printed, or that called itself)
        (f"{FENCE}python\nx = 1\ndef final_answer(r):\n    print(r)\n    final_answer(r)\nfinal_answer(x)\n{FENCE}",
         "x = 1\n\n\n\nfinal_answer(x)\n", None),
        (f"{FENCE}python\nfinal_answer = print\nfinal_answer(2)\n{FENCE}", "\nfinal_answer(2)\n", None),
        # other ways of binding the name are refused
        (f"{FENCE}python\nfrom x import y as final_answer\n{FENCE}", None, "redefines_tool"),
        (f"{FENCE}python\ndef main():\n    def final_answer(r):\n        pass\n{FENCE}", None, "redefines_tool"),
        (f"{FENCE}python\nfor final_answer in range(3):\n    pass\n{FENCE}", None, "redefines_tool"),
        # calling it, or a name that only contains it, is fine
        (f"{FENCE}python\nmy_final_answer = 3\nfinal_answer(my_final_answer)\n{FENCE}",
         "my_final_answer = 3\nfinal_answer(my_final_answer)\n", None),
        # interactive prompts are stripped
        (f"{FENCE}python\n>>> a = 1\n>>> print(a)\n{FENCE}", "a = 1\nprint(a)\n", None),
    ],
)
def test_parse_reply(reply, code, problem):
    parsed = parse_reply(reply)
    assert parsed.code == code
    assert parsed.problem == problem
    assert parsed.text == reply


def test_a_dropped_definition_is_flagged():
    assert parse_reply(f"{FENCE}python\ndef final_answer(r):\n    print(r)\nfinal_answer(1)\n{FENCE}").dropped_tool
    assert not parse_reply(f"{FENCE}python\nfinal_answer(1)\n{FENCE}").dropped_tool


def test_unclosed_block_cut_by_length_is_a_format_problem():
    parsed = parse_reply(f"{FENCE}python\nfor i in range(3):\n    print(", finished_by_length=True)
    assert parsed.problem == "unclosed_block" and parsed.code is None


def test_native_tool_call():
    reply = '<tool_call>\n{"name": "python", "arguments": {"code": "print(7)"}}\n</tool_call>'
    assert parse_reply(reply, native_tools=True).code == "print(7)\n"
    # double-encoded arguments
    reply2 = '<tool_call>{"name": "python", "arguments": "{\\"code\\": \\"x=1\\"}"}</tool_call>'
    assert parse_reply(reply2, native_tools=True).code == "x=1\n"
    assert parse_reply("<tool_call>{not json</tool_call>", native_tools=True).problem == "bad_tool_call"
    # fenced blocks still work in native mode
    assert parse_reply(f"{FENCE}python\nprint(8)\n{FENCE}", native_tools=True).code == "print(8)\n"


def test_final_answer_prelude_and_marker():
    ns: dict = {}
    exec(FINAL_ANSWER_PRELUDE, ns)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print("hello")
        ns["final_answer"]("Saved 'x.png'\nline two")
    rest, answer = split_final_answer(buf.getvalue())
    assert rest == "hello\n"
    assert answer == "Saved 'x.png'\nline two"
    assert split_final_answer("plain\n") == ("plain\n", None)
    assert split_final_answer(FINAL_ANSWER_MARKER + "not a literal\n")[1] == "not a literal"


def test_trim_traceback_drops_session_frames_and_keeps_the_error():
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/work/main/tools/session_worker.py", line 40, in run_cell\n'
        "    exec(code, ns)\n"
        '  File "<cell-3>", line 2, in <module>\n'
        "    f(0)\n"
        '  File "<cell-2>", line 2, in f\n'
        "    return 1 / x\n"
        "ZeroDivisionError: division by zero\n"
    )
    out = trim_traceback(tb)
    assert "session_worker" not in out and "exec(code, ns)" not in out
    assert '"<cell-3>", line 2' in out and "return 1 / x" in out
    assert out.endswith("ZeroDivisionError: division by zero")
    assert trim_traceback("just a warning\n") == "just a warning\n"


def test_trim_traceback_caps_deep_stacks():
    frames = "".join(f'  File "/lib/m{i}.py", line {i}, in g{i}\n    g{i + 1}()\n' for i in range(10))
    out = trim_traceback("Traceback (most recent call last):\n" + frames + "RecursionError: too deep\n")
    assert "frames omitted" in out and "m0.py" in out and "m9.py" in out and "m5.py" not in out


def test_clip_keeps_head_and_tail():
    text = "a" * 50 + "b" * 50
    out, cut = clip(text, 20)
    assert cut and out.startswith("a" * 10) and out.endswith("b" * 10) and "80 characters cut" in out
    assert clip("short", 20) == ("short", False)


def test_observation_success_error_timeout():
    ok = ExecResult(stdout=f"42\n{FINAL_ANSWER_MARKER}'done'\n", stderr="", returncode=0,
                    files=["out.csv", "fig.png"], figures=["fig.png"])
    text, final = render_observation(ok, timeout_s=60, max_chars=1000)
    assert final == "done"
    assert "ran successfully" in text and "42" in text and FINAL_ANSWER_MARKER not in text
    assert "Figures saved: fig.png" in text and "Files written: out.csv" in text

    err = ExecResult(stdout="", stderr="Traceback (most recent call last):\n  File \"<cell>\", line 1\nNameError: x\n",
                     returncode=1)
    text, final = render_observation(err, timeout_s=60, max_chars=1000)
    assert final is None and "failed" in text and "NameError: x" in text

    slow = ExecResult(stdout="", stderr="", returncode=None, timed_out=True, restarted=True)
    text, _ = render_observation(slow, timeout_s=5, max_chars=1000)
    assert "longer than 5 seconds" in text and "restarted" in text


def test_observation_explains_common_numpy_errors():
    """The error a small model makes most when it draws per-pixel pictures gets one line of explanation;
    an error without a known pattern gets none."""
    err = ExecResult(stdout="", returncode=1, stderr=(
        "Traceback (most recent call last):\n  File \"<cell>\", line 9, in mandelbrot\n"
        "ValueError: The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()\n"))
    text, _ = render_observation(err, timeout_s=60, max_chars=1000)
    assert "Hint: A function written for one number" in text and "numpy masks" in text
    assert text.index("Errors:") < text.index("Hint:")
    imshow = ExecResult(stdout="", returncode=1,
                        stderr="TypeError: Image data of dtype complex128 cannot be converted to float\n")
    assert "Hint: imshow needs real numbers" in render_observation(imshow, timeout_s=60, max_chars=1000)[0]
    bounds = ExecResult(stdout="", returncode=1,
                        stderr="IndexError: index 600 is out of bounds for axis 0 with size 600\n")
    assert "a[row, column]" in render_observation(bounds, timeout_s=60, max_chars=1000)[0]
    other = ExecResult(stdout="", returncode=1, stderr="NameError: name 'x' is not defined\n")
    assert "Hint:" not in render_observation(other, timeout_s=60, max_chars=1000)[0]


@pytest.mark.parametrize("src, expected", [
    ("import numpy as np\ndef f(x):\n    return x", True),
    ("class A:\n    pass", True),
    ("def f():\n    pass\nf()", False),
    ("import os", False),
    ("x = 1", False),
    ("def f(:\n", False),
])
def test_only_defines(src, expected):
    assert only_defines(src) is expected


@pytest.mark.parametrize("text, files", [
    ("Saved the mandelbrot set to mandelbrot.png", ["mandelbrot.png"]),
    ("wrote out/summary.csv and out/summary.csv and data.json", ["out/summary.csv", "data.json"]),
    ("The answer is 3.14", []),
    ("see https://example.org/a.png", []),
])
def test_mentioned_files(text, files):
    assert mentioned_files(text) == files
