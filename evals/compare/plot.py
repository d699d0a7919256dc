"""curves.png: accuracy against mean tokens per question (generated; total with
prompts), one line per strategy with its 95% CI band, log-scaled budget axis."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evals.compare.report import ORACLE, CurvePoint


def plot_curves(curve: Sequence[CurvePoint], path: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = [p for p in curve if p.bucket == "all"]
    strategies = list(dict.fromkeys(p.strategy for p in pts))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, attr, label in ((axes[0], "generated_tokens", "generated tokens per question"),
                            (axes[1], "total_tokens", "total tokens per question (prompts included)")):
        for s in strategies:
            line = sorted((p for p in pts if p.strategy == s), key=lambda p: getattr(p, attr))
            xs = [max(getattr(p, attr), 1e-9) for p in line]
            style = {"linestyle": "--", "color": "grey"} if s == ORACLE else {}
            (h,) = ax.plot(xs, [p.accuracy for p in line], marker="o", label=s, **style)
            ax.fill_between(xs, [p.ci_low for p in line], [p.ci_high for p in line], alpha=0.15,
                            color=h.get_color())
            for p, x in zip(line, xs, strict=True):
                ax.annotate(str(p.budget), (x, p.accuracy), textcoords="offset points", xytext=(3, 3), fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy (95% CI across questions)")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
