"""In-sandbox bootstrap: the first Python code that runs inside the sandbox.

Standard library only (it runs under the sandboxed interpreter, not the
project's package). It sets the resource limits, drops to the sandbox uid when
started as root, installs the matplotlib figure hook (a backend module, so
nothing is imported until the user's code imports matplotlib) and then either
runs one program (mode "run") or serves cells of a persistent session (mode
"session").

Protocol with the parent (tools/sandbox_process.py): one fd carries requests in,
another replies out (their numbers are in the config), each a 4-byte big-endian length + UTF-8 JSON. Mode "run": one
request {"code", "filename"}, one reply. Mode "session": requests {"code",
"filename", "nonce", "cpu_s"} until EOF; after each cell the nonce is written to
fds 1 and 2 so the parent knows the cell's output is complete.
"""

import os
import resource
import sys

IN_FD, OUT_FD = 3, 4
"""Replaced by the fds the parent names in the config."""


def _read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def receive():
    import json

    head = _read_exact(IN_FD, 4)
    if head is None:
        return None
    body = _read_exact(IN_FD, int.from_bytes(head, "big"))
    return None if body is None else json.loads(body.decode("utf-8"))


def send(message):
    import json

    data = json.dumps(message).encode("utf-8")
    data = len(data).to_bytes(4, "big") + data
    while data:
        data = data[os.write(OUT_FD, data):]


def set_limits(cfg):
    mib = 1024 * 1024
    pairs = [
        (resource.RLIMIT_AS, cfg["memory_mb"] * mib),
        (resource.RLIMIT_FSIZE, cfg["file_size_mb"] * mib),
        (resource.RLIMIT_NOFILE, cfg["open_files"]),
        (resource.RLIMIT_NPROC, cfg["processes"]),
        (resource.RLIMIT_CORE, 0),
    ]
    if cfg["mode"] == "run":
        pairs.append((resource.RLIMIT_CPU, cfg["cpu_s"]))
    for which, value in pairs:
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def set_cell_cpu_limit(cpu_s):
    """A session runs many cells: each gets cpu_s more CPU seconds than used so far."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    total = int(used.ru_utime + used.ru_stime) + 1 + int(cpu_s)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (total, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass


def drop_privileges(cfg):
    if cfg.get("uid") is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(cfg["gid"])
    os.setuid(cfg["uid"])


def block_network():
    """Subprocess level only: a best-effort guard (no kernel isolation there)."""

    def hook(event, args):
        if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo"):
            raise PermissionError(f"network access is disabled in the sandbox ({event})")

    sys.addaudithook(hook)


def setup(cfg):
    set_limits(cfg)
    drop_privileges(cfg)
    os.chdir(cfg["workdir"])
    os.umask(0o022)
    import faulthandler

    faulthandler.enable()
    sys.dont_write_bytecode = True
    runtime = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [cfg["workdir"]] + [p for p in sys.path if p not in ("", runtime)] + [runtime]
    if cfg.get("block_network"):
        block_network()
    sys.meta_path.insert(0, _FigureHookInstaller())


def new_main_namespace():
    import types

    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    return module.__dict__


def remember_source(filename, code):
    import linecache

    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)


def print_user_traceback(exc):
    """The traceback without the bootstrap's own frame."""
    import traceback

    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))


def exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def figures_module():
    return sys.modules.get("playground_mpl_backend")


class _FigureHookInstaller:
    """Imports playground_mpl_backend (which patches savefig and imshow) right after
    matplotlib.pyplot, whatever backend the code then picks (matplotlib.use("Agg") included), so
    figures are always captured and checked. A meta path finder that steps aside after one use."""

    def find_spec(self, name, path, target=None):
        if name != "matplotlib.pyplot":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module = loader.exec_module

        def exec_module(module):
            run_module(module)
            try:
                import playground_mpl_backend  # noqa: F401
            except Exception as e:  # figures are a convenience: never break the user's import
                sys.stderr.write(f"[sandbox: figure capture is off: {type(e).__name__}: {e}]\n")

        loader.exec_module = exec_module
        return spec


def save_open_figures():
    """Figures still open at the end of a program or cell are saved (like a notebook) ->
    (figure files saved, warnings about what was drawn, what each saved picture shows)."""
    backend = figures_module()  # imported only with matplotlib.pyplot (_FigureHookInstaller)
    if backend is None:
        return [], [], []
    try:
        backend.save_all_figures()
    except Exception as e:  # a broken figure must not hide the program's result
        sys.stderr.write(f"[sandbox: could not save a figure: {type(e).__name__}: {e}]\n")
    saved, backend.SAVED[:] = list(backend.SAVED), []
    warnings, backend.WARNINGS[:] = list(backend.WARNINGS), []
    facts, backend.FACTS[:] = list(backend.FACTS), []
    return saved, warnings, facts


def execute(code, filename, namespace, echo_last=False):
    """Run code in namespace -> (returncode, memory_error)."""
    import ast

    remember_source(filename, code)
    try:
        tree = ast.parse(code, filename, "exec")
        last = None
        if echo_last and tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(last, filename, "eval"), namespace)
            if value is not None:
                print(repr(value))
        return 0, False
    except SystemExit as e:
        return exit_code_of(e), False
    except MemoryError as e:
        print_user_traceback(e)
        return 1, True
    except SyntaxError as e:
        import traceback

        sys.stderr.write("".join(traceback.format_exception_only(type(e), e)))
        return 1, False
    except BaseException as e:
        print_user_traceback(e)
        return 1, False


def flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def serve_run(cfg):
    request = receive()
    namespace = new_main_namespace()
    namespace["__file__"] = os.path.join(cfg["workdir"], request["filename"])
    sys.argv[:] = [request["filename"]]
    rc, memory_error = execute(request["code"], request["filename"], namespace)
    figures, plot_warnings, facts = save_open_figures()
    flush_std()
    send({"returncode": rc, "memory_error": memory_error, "figures": figures, "plot_warnings": plot_warnings,
          "figure_facts": facts})
    os._exit(rc & 0xFF)


def serve_session(cfg):
    namespace = new_main_namespace()
    while True:
        request = receive()
        if request is None:
            os._exit(0)
        set_cell_cpu_limit(request["cpu_s"])
        rc, memory_error = execute(request["code"], request["filename"], namespace, echo_last=True)
        figures, plot_warnings, facts = save_open_figures()
        flush_std()
        nonce = request["nonce"].encode()
        os.write(1, nonce)
        os.write(2, nonce)
        send({"returncode": rc, "memory_error": memory_error, "figures": figures,
              "plot_warnings": plot_warnings, "figure_facts": facts})


def main():
    import json

    global IN_FD, OUT_FD
    cfg = json.loads(sys.argv[1])
    IN_FD, OUT_FD = cfg["in_fd"], cfg["out_fd"]
    del sys.argv[1:]
    for fd in (IN_FD, OUT_FD):
        os.set_inheritable(fd, False)
    setup(cfg)
    if cfg["mode"] == "session":
        serve_session(cfg)
    else:
        serve_run(cfg)


if __name__ == "__main__":
    main()
