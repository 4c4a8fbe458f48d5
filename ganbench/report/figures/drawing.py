"""Drawing a report's figures once, in parallel worker processes, in every form the requested
formats need (a screen PNG for HTML; a 300-dpi PNG and a vector PDF for Markdown and LaTeX).

Workers import only the plotting modules: a job carries plain data (arrays), not results
directories, and its drawing function by reference."""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

from ganbench.report.figures.plotting import save, style
from ganbench.report.rendering.document import Animation, Figure

#: what a worker needs, imported once by the fork server
PRELOAD = [
    "ganbench.report.figures.sample_plots",
    "ganbench.report.figures.metric_plots",
    "ganbench.report.figures.tuning_plots",
]


@dataclasses.dataclass
class Job:
    """A figure to draw: ``draw(*args)`` returns a matplotlib figure (or GIF bytes when
    ``animation``), or None when there is nothing to draw."""

    name: str
    caption: str
    draw: Callable[..., Any]
    args: tuple[Any, ...]
    group: str = ""
    option: str = ""
    animation: bool = False
    raster: bool = False  # pictures of samples: no vector form (a PDF would only wrap the pixels)


def _run(job: Job, forms: Sequence[str]) -> dict[str, bytes] | None:
    out = job.draw(*job.args)
    if out is None:
        return None
    if job.animation:
        return {"gif": out}
    with style():  # savefig reads the style too (pdf.fonttype: text stays text)
        return save(out, [f for f in forms if not (job.raster and f == "pdf")])


def workers_available() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _cost(job: Job) -> int:
    """Rough drawing cost, heaviest first, so the pool's last job is a short one."""
    if any(k in job.name for k in ("-samples", "-seeds", "-images")):
        return 0
    return 1 if "-curves-" in job.name else 3 if job.animation else 2


def _parallel(jobs: Sequence[Job], forms: Sequence[str], workers: int) -> list[dict[str, bytes] | None]:
    # forkserver: workers fork from a fresh server that imported only the plotting code, not
    # from this process (which holds torch's threads); spawn where there is no forkserver
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    order = sorted(range(len(jobs)), key=lambda i: _cost(jobs[i]))
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {i: pool.submit(_run, jobs[i], forms) for i in order}
        return [futures[i].result() for i in range(len(jobs))]


def draw_all(jobs: Sequence[Job], forms: Sequence[str], workers: int = 0) -> dict[str, Figure | Animation]:
    """Draw every job once; returns name -> Figure or Animation (jobs with nothing to draw are left out).
    ``workers`` = 0: one process per available core; 1: in this process (also the fallback where
    worker processes cannot start)."""
    workers = min(workers or workers_available(), len(jobs))
    results: list[dict[str, bytes] | None] | None = None
    if workers > 1:
        try:
            results = _parallel(jobs, forms, workers)
        except (OSError, cf.process.BrokenProcessPool):
            results = None
    if results is None:
        results = [_run(job, forms) for job in jobs]
    out: dict[str, Figure | Animation] = {}
    for job, files in zip(jobs, results, strict=True):
        if files is None:
            continue
        if job.animation:
            out[job.name] = Animation(job.name, job.caption, files["gif"])
        else:
            out[job.name] = Figure(job.name, job.caption, files, group=job.group, option=job.option)
    return out
