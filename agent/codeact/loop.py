"""The code-acting agent: the model acts by writing Python (as in CodeAct /
smolagents' CodeAgent), a persistent session runs it, the output goes back.

    with PythonSession(workdir) as session:
        result = CodeAgent(model, session, AgentConfig(max_steps=5)).run("Plot sin(x)")

Each step: one streamed reply (after a failure, optionally the best of k sampled
replies, each tried in a scratch session: candidates.py; a sampled reply that stops
before its code is continued: continuation.py) -> its code (code_blocks.py) -> the
session -> an observation (observation.py). The run ends on final_answer(...), a
reply without code after a successful execution, the step limit, the token
budget, or too many unusable replies in a row. Errors of the user's code go back
to the model; errors of the program itself (backend, sandbox) end the run and
propagate, never shown to the model. The loop prints nothing: it emits events
(types.py) and writes a transcript after every step and in finally.
"""

from __future__ import annotations

from pathlib import Path
from time import perf_counter

import prompts
from agent.codeact.candidates import ScratchChecker, fresh_start, learned, pick, sample_candidates
from agent.codeact.code_blocks import FINAL_ANSWER_PRELUDE, parse_reply
from agent.codeact.observation import error_hints, render_observation
from agent.codeact.outcome import asked_size, judge, refuted_pictures, wants_image
from agent.codeact.transcript import RunTranscript
from agent.codeact.types import (
    AgentConfig,
    AgentEvent,
    AgentResult,
    CandidatesChecked,
    CodeExecuted,
    CodeReady,
    ContextTrimmed,
    EventHandler,
    FormatError,
    FormatRejected,
    LimitsExceeded,
    RunFinished,
    Session,
    StepRecord,
    StepStarted,
    StopReason,
    Submitted,
    TextDelta,
    steps_usage,
)
from agent.context import count_completion_tokens, fit_to_context
from agent.streams import relay
from agent.types import Message, Model, SamplingParams
from tools.types import ExecResult


class CodeAgent:
    def __init__(self, model: Model, session: Session, config: AgentConfig | None = None,
                 on_event: EventHandler | None = None, transcript_path: str | Path | None = None,
                 metadata: dict | None = None) -> None:
        self.model = model
        self.session = session
        self.config = config or AgentConfig()
        self.on_event = on_event
        self.transcript_path = transcript_path
        self.metadata = metadata or {}
        self.messages: list[Message] = []
        self.steps: list[StepRecord] = []
        self.files: list[str] = []
        self.figures: list[str] = []
        self._format_errors = 0
        self._last_exec_ok: bool | None = None
        self._wants_image = False
        self._wants_size: tuple[int, int] | None = None
        self._self_checked = False
        self._refuted: set[str] = set()  # pictures that do not count (outcome.refuted_pictures)
        self._task, self._lessons = "", []  # the mistakes named so far, told to fresh attempts

    # ------------------------------------------------------------------ run
    def run(self, task: str) -> AgentResult:
        cfg = self.config
        key = "native_tools.system" if cfg.native_tools else "system"
        self.messages = fresh_start(Message("system", prompts.render("agent", key)), task, [])
        self.steps, self.files, self.figures, self._task, self._lessons = [], [], [], task, []
        self._format_errors, self._last_exec_ok, self._self_checked, self._refuted = 0, None, False, set()
        self._wants_image, self._wants_size = wants_image(task), asked_size(task)
        workdir = str(self.session.workdir)
        transcript = RunTranscript(
            self.transcript_path, task=task, config={"agent": cfg.model_dump(), **self.metadata},
            model={"name": self.model.name, "backend": self.model.backend,
                   "context_length": self.model.context_length},
            initial_messages=[m.to_dict() for m in self.messages], workdir=workdir)
        self._transcript = transcript
        transcript.save([])
        t0 = perf_counter()
        stop: StopReason = "error"
        answer: str | None = None
        error: str | None = None
        try:
            self._run_prelude()
            while True:
                self._step()
        except Submitted as s:
            stop, answer = s.reason, s.answer
        except LimitsExceeded as e:
            stop = e.reason
        except KeyboardInterrupt:
            stop = "interrupted"
        except BaseException as e:
            error = f"{type(e).__name__}: {e}"
            raise
        finally:
            usage = steps_usage(self.steps)
            result = AgentResult(
                stop_reason=stop, final_answer=answer, steps=self.steps, workdir=workdir,
                transcript_path=str(self.transcript_path) if self.transcript_path else None,
                files=list(self.files), figures=list(self.figures), error=error,
                prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                prompt_tokens_evaluated=usage.prompt_tokens_evaluated, wall_s=perf_counter() - t0)
            transcript.finish(result)
            self._emit(RunFinished(result))
        return result

    # ------------------------------------------------------------------ one step
    def _step(self) -> None:
        cfg = self.config
        if len(self.steps) >= cfg.max_steps:
            raise LimitsExceeded("max_steps")
        budget_left = None
        if cfg.max_tokens_total is not None:
            budget_left = cfg.max_tokens_total - sum(s.tokens.prompt + s.tokens.completion for s in self.steps)
            if budget_left <= 0:
                raise LimitsExceeded("token_budget")
        t0 = perf_counter()
        step = StepRecord(index=len(self.steps) + 1, messages=[])
        self.steps.append(step)
        try:
            self._emit(StepStarted(step.index))
            fitted = fit_to_context(self.model, self.messages, cfg.max_tokens_per_step, keep_head=2)
            step.dropped_messages = fitted.dropped
            if fitted.dropped:
                self._emit(ContextTrimmed(step.index, fitted.dropped))
            max_new = fitted.max_new_tokens
            if budget_left is not None:
                max_new = min(max_new, budget_left - fitted.prompt_tokens)
            if max_new < 1:
                raise LimitsExceeded("token_budget")
            step.tokens.prompt = fitted.prompt_tokens
            adopted = None
            if self._wants_candidates():
                by_length, adopted = self._generate_candidates(step, fitted.messages, max_new)
            else:
                step.reply = self._generate(step, fitted.messages, max_new)
                step.tokens.completion = count_completion_tokens(self.model, step.reply)
                by_length = step.tokens.completion >= max_new
            self._add(step, Message("assistant", step.reply))
            parsed = parse_reply(step.reply, finished_by_length=by_length, native_tools=cfg.native_tools)
            try:
                self._act(step, parsed, adopted)
            except FormatError as e:
                self._reject(step, e.problem)
        finally:
            step.total_s = perf_counter() - t0
            self._transcript.save(self.steps)

    def _act(self, step: StepRecord, parsed, adopted: ExecResult | None = None) -> None:
        """Run the reply's code (or take over `adopted`, the scratch run of the same code that finished
        the task: candidates.py) and add the observation."""
        if parsed.problem:
            raise FormatError(parsed.problem)
        if parsed.code is None:
            if self._last_exec_ok:
                raise Submitted("done", None)
            raise FormatError("no_code")
        self._format_errors = 0
        repeated = any(s.code == parsed.code and s.exec_result is not None and not s.exec_result.ok
                       for s in self.steps[:-1])
        step.code = parsed.code
        self._emit(CodeReady(step.index, parsed.code))
        if adopted is not None:
            result, step.adopted = adopted, True
            step.exec_s = 0.0  # it ran in the scratch session: counted in check_s
        else:
            t0 = perf_counter()
            result = self.session.run(parsed.code, timeout_s=self.config.cell_timeout_s)
            step.exec_s = perf_counter() - t0
        step.exec_result = result
        self._last_exec_ok = result.ok
        if result.restarted:
            self._run_prelude()
        self._note_files(result.files, result.figures)
        done = judge(parsed.code, result, self.session.workdir, self._wants_image, self._wants_size,
                     pitfalls=self.config.pitfall_checks, refuted=frozenset(self._refuted))
        defines_only, missing = done.defines_only, done.missing_files
        step.pitfalls = list(done.pitfalls)
        no_image = done.final_answer is not None and not missing and done.no_image
        # a silent mistake in the code refuses the picture even before a final answer claims it
        bad_image = bool(done.bad_image) and (done.final_answer is not None or bool(done.pitfalls))
        obs, final = render_observation(result, timeout_s=self.config.cell_timeout_s,
                                        max_chars=self.config.max_observation_chars,
                                        native_tools=self.config.native_tools, repeated=repeated,
                                        defines_only=defines_only, missing_files=missing, no_image=no_image,
                                        bad_image=bad_image, wrong_size=done.wrong_size, pitfalls=done.pitfalls,
                                        figure_facts=self.config.figure_facts,
                                        refuted=sorted(self._refuted - set(result.files)),
                                        dropped_tool=parsed.dropped_tool)
        self._refuted = refuted_pictures(self._refuted, result, bad_image)
        self._lessons = learned(self._lessons, ([] if result.ok else error_hints(result.stderr)) + done.lessons)
        if missing or defines_only or no_image or bad_image:  # nothing was done, or the claim is not true
            self._last_exec_ok, final = False, None
        elif final is not None and result.ok and self.config.self_check and not self._self_checked:
            self._self_checked, final = True, None  # once per run: the model tests its result first
            obs = f"{obs}\n{prompts.render('agent', 'self_check')}"
            step.self_check_asked = True
        step.observation, step.final_answer = obs, final
        self._add(step, Message("tool" if self.config.native_tools else "user", obs))
        self._emit(CodeExecuted(step.index, result, obs, tuple(step.pitfalls), step.self_check_asked))
        if final is not None and result.ok:
            raise Submitted("final_answer", final)

    def _reject(self, step: StepRecord, problem: str) -> None:
        self._format_errors += 1
        step.format_problem = problem
        msg = prompts.render("agent", f"format_error.{problem}", failed=self._last_exec_ok is False)
        self._add(step, Message("user", msg))
        self._emit(FormatRejected(step.index, problem, msg))
        if self._format_errors >= self.config.max_format_errors:
            raise LimitsExceeded("format_errors")

    # ------------------------------------------------------------------ edges
    def _generate(self, step: StepRecord, messages: list[Message], max_new: int) -> str:
        cfg = self.config
        temperature = cfg.temperature
        if self._last_exec_ok is False:  # the previous code failed: don't resend it greedily
            temperature = max(temperature, cfg.retry_temperature)
        params = SamplingParams(temperature=temperature, top_p=cfg.top_p, max_tokens=max_new,
                                seed=cfg.seed + step.index)
        pieces: list[str] = []

        def show(piece: str) -> None:
            pieces.append(piece)
            self._emit(TextDelta(step.index, piece))

        t0 = perf_counter()
        try:
            done = relay(self.model.stream(messages, params), show)
        finally:
            step.model_s = perf_counter() - t0
            step.reply = "".join(pieces)
        step.tokens.evaluated = None if done is None else done.prompt_tokens_evaluated
        return step.reply

    def _wants_candidates(self) -> bool:
        return self.config.candidates > 1 and (self._last_exec_ok is False or self._format_errors > 0)

    def _generate_candidates(self, step: StepRecord, messages: list[Message],
                             max_new: int) -> tuple[bool, ExecResult | None]:
        """Best-of-k (agent/codeact/candidates.py): k replies sampled in one batch, each run in a scratch
        session; the best becomes the step's reply. Returns whether the chosen reply was cut at max_new,
        and its scratch run when that finished the task (adopted instead of running the code again)."""
        cfg = self.config
        start = fresh_start(self.messages[0], self._task, self._lessons if cfg.lessons else [])
        completions = sample_candidates(self.model, cfg, step, messages, start, max_new)
        history = [s.code for s in self.steps if s.code and s.exec_result is not None and s.exec_result.ok]
        tried = [s.code for s in self.steps if s.code]  # re-running any earlier code verbatim gets nowhere
        t0 = perf_counter()
        with ScratchChecker(self.session, history, timeout_s=cfg.cell_timeout_s, tried_codes=tried,
                            native_tools=cfg.native_tools, want_image=self._wants_image,
                            want_size=self._wants_size, pitfalls=cfg.pitfall_checks,
                            refuted=frozenset(self._refuted)) as checker:
            try:
                checks = checker.check_all([(c.text, c.finish_reason == "length", kind)
                                            for c, kind in completions])
                best = pick(checks)
                adopted = checker.adopt(best.index)
            finally:
                step.check_s = perf_counter() - t0
        step.candidates = [c.to_dict() for c in checks]
        step.chosen_candidate = best.index
        step.reply = best.reply
        self._emit(CandidatesChecked(step.index, tuple(checks), len(completions), best.index))
        self._emit(TextDelta(step.index, best.reply))
        return completions[best.index][0].finish_reason == "length", adopted

    def _run_prelude(self) -> None:
        """Define final_answer() in the session (again after a restart lost it)."""
        result = self.session.run(FINAL_ANSWER_PRELUDE, timeout_s=self.config.cell_timeout_s)
        if not result.ok:
            raise RuntimeError(f"the session could not define final_answer: {result.stderr.strip()[-300:]}")

    def _add(self, step: StepRecord, message: Message) -> None:
        self.messages.append(message)
        step.messages.append(message.to_dict())

    def _note_files(self, files: list[str], figures: list[str]) -> None:
        self.files[:] = dict.fromkeys([*self.files, *files])  # in order of first appearance, once each
        self.figures[:] = dict.fromkeys([*self.figures, *figures])

    def _emit(self, event: AgentEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)
