"""``jdx report``: execute notebooks and write HTML / PDF reports.

Examples::

    jdx report                                   # overview + every theme, whole country
    jdx report --theme governance --prefecture 東京都 --format html,pdf
    jdx report --theme telework --prefectures all --jobs 2
    jdx report --municipalities 島根県            # profiles (profile notebooks)
    jdx report --config reports.yml              # a batch → reports/reports/
    jdx report --list                            # notebooks and their parameters

Outputs go to ``<out>/<run>/`` (``run`` = the config file's stem or ``default``).  The exit
status is 0 only when every report succeeded (or was already up to date); 1 when a report
failed (or timed out) or a place could not be written; 2 for a bad option or config (nothing
is written); 128 + the signal number after Ctrl-C, SIGTERM or SIGHUP (workers and kernels
stopped, manifest consistent).  One run at a time writes to a run folder: a second one waits
for the lock, or fails at once with ``--no-wait``.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from .._paths import NOTEBOOKS_DIR
from .catalog import Catalog, CatalogError, NotebookInfo

FORMATS = ("html", "pdf")
DEFAULT_OUT = Path("reports")
#: Seconds one report may run (the slowest real report takes about a minute).
DEFAULT_TIMEOUT_S = 1800.0


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled exactly like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate_as_interrupt():
    """SIGTERM/SIGHUP raise :class:`_Terminated` (a KeyboardInterrupt) while a run is on."""
    from .runner import signals_handled

    def handler(signum, frame):
        raise _Terminated(signum)

    return signals_handled(("SIGTERM", "SIGHUP"), handler)


class ConfigUsageError(click.ClickException):
    """A bad configuration or option value: one line, exit status 2 (like a usage error)."""

    exit_code = 2


# --------------------------------------------------------------------------- names
def _names():
    """The project's name resolver (imported late: it loads the municipality tables)."""
    try:
        from .. import names
    except Exception as exc:  # pragma: no cover - depends on the data being built
        raise click.ClickException(f"cannot resolve prefecture/municipality names: {exc}") from None
    return names


def _shorten(message: str, value) -> str:
    """*message* with an over-long *value* quoted at most ~80 characters (a 10,000-character
    name would otherwise be echoed several times)."""
    from .runner import quote

    text = str(value)
    if len(text) <= 80:
        return message
    short = quote(text)
    return message.replace(repr(text), short).replace(text, short)


def resolve_prefecture(value: str, hint: str = "prefecture"):
    names = _names()
    try:
        return names.resolve_prefecture(value)
    except names.NameResolutionError as exc:
        raise click.BadParameter(_shorten(str(exc), value), param_hint=hint) from None


def resolve_municipality(value: str, prefecture=None, hint: str = "municipality"):
    names = _names()
    try:
        return names.resolve_municipality(value, prefecture)
    except names.NameResolutionError as exc:
        raise click.BadParameter(_shorten(str(exc), value), param_hint=hint) from None


def _split(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v.strip() for v in value if str(v).strip()]
    return [v.strip() for v in value.replace("、", ",").split(",") if v.strip()]


def prefectures_for(value: str | list[str]) -> list:
    """``all`` or a comma list → Prefecture objects (deduplicated, in the given order)."""
    items = _split(value)
    if items == ["all"]:
        names = _names()
        all_prefs = getattr(names, "all_prefectures", None)
        if callable(all_prefs):
            prefs = list(all_prefs())
        else:
            prefs = [resolve_prefecture(f"{i:02d}") for i in range(1, 48)]
        return prefs
    if not items:
        raise click.BadParameter("give 'all' or prefecture names", param_hint="--prefectures")
    out, seen = [], set()
    for item in items:
        p = resolve_prefecture(item)
        if p.code not in seen:
            seen.add(p.code)
            out.append(p)
    return out


def municipalities_for(value: str | list[str]) -> list:
    """``all``, a prefecture (all its municipalities) or a comma list of municipalities."""
    names = _names()
    items = _split(value)
    if items == ["all"]:
        out = []
        for pref in prefectures_for("all"):
            out.extend(names.municipalities_in(pref))
        return out
    if not items:
        raise click.BadParameter("give 'all', a prefecture or municipality names", param_hint="--municipalities")
    out, seen = [], set()
    for item in items:
        try:
            found = names.municipalities_in(names.resolve_prefecture(item))
        except names.NameResolutionError as pref_exc:
            try:
                found = [names.resolve_municipality(item)]
            except names.NameResolutionError as exc:
                msg = str(exc)
                # '島根' is no municipality, but nearly a prefecture: say so
                close = list(getattr(pref_exc, "suggestions", None) or [])
                if close:
                    msg += f" — did you mean the prefecture {close[0]!r} (all its municipalities)?"
                elif "did you mean" in str(pref_exc).lower():
                    msg += f" — as a prefecture: {pref_exc}"
                raise click.BadParameter(_shorten(msg, item), param_hint="--municipalities") from None
        for m in found:
            if m.code not in seen:
                seen.add(m.code)
                out.append(m)
    return out


# --------------------------------------------------------------------------- specs
def _require_params(info: NotebookInfo, params: dict[str, Any], where: str = "") -> None:
    missing = [p for p in params if info.parameter(p) is None]
    if missing:
        valid = ", ".join(info.parameter_names) or "none"
        raise click.UsageError(
            f"{where}notebook {info.key!r} has no parameter {missing[0]!r} (its parameters: {valid})"
        )


def _spec(info: NotebookInfo, params: dict, labels: dict, formats, name: str):
    from .runner import ReportSpec

    title = info.title
    shown = [labels.get(k) or str(v) for k, v in params.items() if v is not None]
    if shown:
        title = f"{info.title} — {' / '.join(shown)}"
    return ReportSpec(
        name=name,
        key=info.key,
        notebook=str(info.path),
        parameters=dict(params),
        formats=tuple(formats),
        title=title,
        notebook_title=info.title,
        parameter_labels=labels,
    )


def expand(
    catalog: Catalog,
    notebooks: list[NotebookInfo] | None,
    formats,
    *,
    base: dict[str, Any] | None = None,
    prefecture: str | None = None,
    highlight: str | None = None,
    prefectures=None,
    municipalities=None,
    name: str | None = None,
    where: str = "",
) -> list:
    """Turn selectors into ReportSpecs (one per notebook × body)."""
    base = dict(base or {})
    explicit = notebooks is not None
    specs = []
    body_runs = prefectures is not None or municipalities is not None

    _check_selectors(notebooks if explicit else None, base, prefecture, highlight, prefectures,
                     municipalities, where)

    from .runner import fit_name, slug

    labels: dict[str, str] = {}
    # File-name parts: codes for resolved bodies (ASCII, stable), slugs for other values.
    parts = [slug(v) for v in base.values() if v is not None]
    if prefecture:
        p = resolve_prefecture(prefecture)
        base["prefecture"], labels["prefecture"] = p.name, p.name
        parts.append(p.prefecture_code)
    if highlight:
        scope = resolve_prefecture(prefecture) if prefecture else None
        m = resolve_municipality(highlight, scope) if scope is not None else resolve_municipality(highlight)
        base["highlight"], labels["highlight"] = m.code, f"{m.prefecture}{m.name} ({m.code})"
        parts.append(m.code)
    suffix = "".join(f"-{x}" for x in parts)

    def add(info: NotebookInfo, params: dict, lab: dict, nm: str | None = None):
        _require_params(info, params, where)
        specs.append(_spec(info, params, lab, formats, fit_name(nm or f"{info.key}{suffix}")))

    if not body_runs:
        if not explicit:
            notebooks = catalog.themes()
            if not notebooks:
                raise click.UsageError(f"no report notebooks in {catalog.directory}")
            # --prefecture / --highlight apply to the notebooks that take them.
            from .. import themes as _themes_mod

            usable = [
                n for n in notebooks
                if all(n.parameter(k) for k in base) and (not base or _themes_mod.accepts_body(n.key))
            ]
            if base and not usable:
                raise click.UsageError(f"no notebook takes the parameters {', '.join(base)}")
            notebooks = usable
        for info in notebooks:
            add(info, base, labels, name)
        return specs

    if prefectures is not None:
        prefs = prefectures_for(prefectures)
        targets = notebooks if explicit else [_profile(catalog, "profile_prefecture", "--prefectures")]
        for info in targets:
            for p in prefs:
                params = {**base, "prefecture": p.name}
                add(info, params, {**labels, "prefecture": p.name}, f"{info.key}{suffix}-{p.prefecture_code}")
    if municipalities is not None:
        munis = municipalities_for(municipalities)
        for info in (notebooks if explicit else [_profile(catalog, "profile_municipality", "--municipalities")]):
            for m in munis:
                label = f"{m.prefecture}{m.name} ({m.code})"
                if info.parameter("municipality") is not None:
                    params = {**base, "municipality": m.code}
                    lab = {**labels, "municipality": label}
                else:  # a theme: the body's prefecture, the body highlighted
                    params = {**base, "prefecture": m.prefecture, "highlight": m.code}
                    lab = {**labels, "prefecture": m.prefecture, "highlight": label}
                add(info, params, lab, f"{info.key}{suffix}-{m.code}")
    return specs


def _check_selectors(notebooks, base, prefecture, highlight, prefectures, municipalities, where=""):
    """Option combinations and body parameters that cannot work; raised before any data work."""
    explicit = notebooks is not None
    body_runs = prefectures is not None or municipalities is not None
    base = base or {}
    for opt, val in (("--prefecture", prefecture), ("--highlight", highlight)):
        if val is not None and not str(val).strip():
            raise click.BadParameter("empty: give a name or a code (leave the option out for the whole country)", param_hint=opt)
    if prefecture and prefectures is not None:
        raise click.UsageError("give --prefecture or --prefectures, not both")
    if prefecture and municipalities is not None:
        raise click.UsageError(
            "give --prefecture or --municipalities, not both: --municipalities runs each body's "
            "report within its own prefecture (a prefecture name there means all its municipalities)"
        )
    if highlight and municipalities is not None:
        raise click.UsageError("give --highlight or --municipalities, not both")
    from .. import themes as _themes_mod

    if explicit:  # national-only themes refuse body parameters (one rule with configs/notebooks)
        for info in notebooks:
            if info.parameter("prefecture") is None and info.parameter("highlight") is None:
                continue  # "has no parameter" says it better
            try:
                _themes_mod.check_body_parameters(
                    info.key,
                    prefecture=prefecture or base.get("prefecture") or (True if body_runs else None),
                    highlight=highlight or base.get("highlight"),
                )
            except _themes_mod.ThemeParameterError as exc:
                raise ConfigUsageError(f"{where}{exc}") from None


def _profile(catalog: Catalog, key: str, option: str) -> NotebookInfo:
    if key not in catalog:
        raise click.UsageError(
            f"{option} without --theme runs notebooks/{key}.ipynb, which does not exist yet; "
            f"add --theme KEY to run a theme once per body (themes: {', '.join(n.key for n in catalog.themes())})"
        )
    return catalog.get(key)


def _themes(catalog: Catalog, value: str) -> list[NotebookInfo]:
    out = []
    for key in _split(value):
        try:
            out.append(catalog.get(key))
        except CatalogError as exc:
            raise click.BadParameter(str(exc), param_hint="--theme") from None
    if not out:
        raise click.BadParameter("give at least one notebook key", param_hint="--theme")
    return out


def _formats(value: str | None) -> tuple[str, ...]:
    fmts = _split(value or "html")
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise click.BadParameter(
            f"unknown format {bad[0]!r}; valid: {', '.join(FORMATS)} (comma-separated)" if bad else "empty",
            param_hint="--format",
        )
    return tuple(dict.fromkeys(fmts))


def _cores() -> int:
    """Cores this process may use (the affinity mask, as in a container), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- output
class _Progress:
    """tqdm on a terminal, plain log lines otherwise (cron, CI, pipes)."""

    def __init__(self, total: int):
        self.total = total
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, entry: dict, done: int, total: int) -> None:
        status = entry["status"]
        dur = entry.get("duration_s")
        msg = f"[{done}/{total}] {status:7s} {entry['name']}" + (f" ({dur:.1f} s)" if dur else "")
        if status == "failed" and entry.get("error"):
            msg += f" — {_error_text(entry['error'])}"
        if self.bar is not None:
            self.bar.set_postfix_str(entry["name"][:30], refresh=False)
            self.bar.update(1)
            if status == "failed":
                self.bar.write(msg, file=sys.stderr)
        else:
            click.echo(msg, err=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _error_text(err: dict) -> str:
    where = ""
    if err.get("cell_index") is not None:
        where = f"cell {err['cell_index']}"
        if err.get("execution_count"):
            where += f" (In [{err['execution_count']}])"
        where += ": "
    elif err.get("stage") and err["stage"] != "execute":
        where = f"{err['stage']}: "
    text = f"{where}{err.get('ename') or 'Error'}: {err.get('evalue') or ''}".strip()
    # a multi-line message ("1 problem in the parameters:\n1. …") is joined, not cut
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return (text[:297] + "…" if len(text) > 300 else text) or "failed"


def summary_table(entries: list[dict]) -> str:
    rows = [("report", "status", "time", "details")]
    for e in entries:
        dur = e.get("duration_s")
        t = f"{dur:.1f} s" if dur else "-"
        if e["status"] == "failed":
            detail = _error_text(e.get("error") or {})
        elif e["status"] == "skipped":
            detail = "up to date: " + ", ".join(k for k in (e.get("outputs") or {}) if k != "ipynb")
        else:
            detail = ", ".join(k for k in (e.get("outputs") or {}) if k != "ipynb")
        rows.append((e["name"], e["status"], t, detail))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, r in enumerate(rows):
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip())
        if i == 0:
            lines.append("-" * min(100, sum(widths) + 6 + max(len(x[3]) for x in rows)))
    return "\n".join(lines)


# --------------------------------------------------------------------------- command
def _ensure_data() -> None:
    """Download and build the datasets once, here, before any worker starts.

    Otherwise every worker would build them on first use and the progress output would land
    inside the first reports.
    """
    from .. import _build
    from ..sources import SourceError

    for name in _build.DATASETS:  # say why a built table is rebuilt (never used as it is)
        why = _build.problem(name)
        if why and why != "not built":
            click.echo(f"jdx: {why}; rebuilding it from the verified upstream files", err=True)
    try:
        _build.build(progress=sys.stderr.isatty())
    except (SourceError, _build.BuildError) as exc:
        raise click.ClickException(f"the datasets could not be prepared: {exc}") from None
    except OSError as exc:  # JDX_DATA_DIR read-only, full, or a file where a folder belongs
        from ..data_cli import data_dir_error

        raise click.ClickException(f"the datasets could not be prepared: {data_dir_error(exc)}") from None


def _check_generation_date(project: bool) -> None:
    """A malformed SOURCE_DATE_EPOCH, or one (or a clock) before the latest reference date of
    jdx's data, stops the batch before anything runs or is written: one line, exit status 2."""
    from .exporters import generation_date, latest_data_reference_date

    try:
        generation_date(not_before=latest_data_reference_date() if project else None)
    except ValueError as exc:
        raise ConfigUsageError(str(exc).replace("the report's data", "jdx's data")) from None


@click.command("report")
@click.option("--theme", "theme", metavar="KEY[,KEY…]", help="Notebook keys (see --list), e.g. security,ai_rpa.")
@click.option("--prefecture", metavar="P", help="One prefecture (name or code), e.g. 東京都.")
@click.option("--highlight", metavar="M", help="A municipality to mark on every chart.")
@click.option("--prefectures", metavar="all|P[,P…]", help="Once per prefecture (profile_prefecture, or --theme).")
@click.option("--municipalities", metavar="all|PREF|M[,M…]", help="Once per municipality; a prefecture means all of its municipalities.")
@click.option("--format", "fmt", metavar="html[,pdf]", default=None, help="Output formats (default: html).")
@click.option("--out", type=str, default=None, help="Output folder (default: reports/).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Parallel workers (default: number of cores).")
@click.option("--timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS", help=f"Stop a report that runs longer (default {DEFAULT_TIMEOUT_S:g}; 0 = no limit); the batch goes on.")
@click.option("--force", is_flag=True, help="Re-run reports that are up to date.")
@click.option("--cluster", metavar="tcp://HOST:PORT", default=None, help="Run the reports on a Dask distributed cluster (its scheduler's address); this process still writes every file. Default: local worker processes.")
@click.option("--no-wait", "no_wait", is_flag=True, help="Fail at once when another jdx report is writing to the same run folder (default: wait for it).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="A YAML batch (notebooks × parameter sets × formats).")
@click.option("--list", "list_", is_flag=True, help="List notebooks and their parameters, then exit.")
@click.pass_context
def report(ctx, theme, prefecture, highlight, prefectures, municipalities, fmt, out, jobs, timeout, force, cluster, no_wait, config, list_):
    """Execute notebooks and write HTML/PDF reports into OUT/RUN/.

    RUN is the config file's stem, or "default". Without a selector: the overview and
    every theme for the whole country. Exit status 0 only if every report succeeded.
    """
    if out is not None:
        if not out.strip():
            raise click.BadParameter("empty: give a folder, e.g. --out reports", param_hint="--out")
        out = Path(out).expanduser()
        if out.exists() and not out.is_dir():
            raise click.BadParameter(f"{out} is a file, not a folder", param_hint="--out")
    try:
        catalog = Catalog()
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None
    if list_:
        click.echo(catalog.describe())
        return

    batch = None
    if config is not None:
        if any(v is not None for v in (theme, prefecture, highlight, prefectures, municipalities)):
            raise click.UsageError("--config describes the whole batch: do not combine it with --theme/--prefecture/--highlight/--prefectures/--municipalities")
        if not config.is_file():
            raise click.BadParameter(f"{config}: no such file", param_hint="--config")
        from .config import ConfigError, load_config

        try:
            batch = load_config(config, catalog)
        except ConfigError as exc:
            raise ConfigUsageError(f"malformed config: {exc}") from None

    if cluster is not None:
        from .config import cluster_problem

        problem = cluster_problem(cluster)
        if problem:
            raise click.BadParameter(problem, param_hint="--cluster")
        cluster = cluster.strip()
    elif batch is not None:
        cluster = batch.cluster
    if batch is None:  # bad option values are reported before any data work
        themes_given = _themes(catalog, theme) if theme else None
        formats = _formats(fmt)
        _check_selectors(themes_given, {}, prefecture, highlight, prefectures, municipalities)
    _check_generation_date(project=Path(catalog.directory).resolve() == NOTEBOOKS_DIR.resolve())
    run = batch.run if batch else "default"
    out_dir = out or (batch.out if batch and batch.out else DEFAULT_OUT)
    run_dir = out_dir / run
    from .runner import check_output_dir, run_reports

    try:  # said before any work starts
        check_output_dir(run_dir)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    if Path(catalog.directory).resolve() == NOTEBOOKS_DIR.resolve():
        _ensure_data()  # the project's notebooks read jdxlib datasets (a test catalog may not)

    if batch:
        specs = []
        for item in batch.items:
            for pset in item.parameter_sets:
                got = expand(
                    catalog, item.notebooks, item.formats, base=pset,
                    prefectures=item.prefectures, municipalities=item.municipalities,
                    name=item.name, where=f"{item.where}: ",
                )
                for s in got:
                    s.timeout = item.timeout
                specs += got
    else:
        specs = expand(
            catalog,
            themes_given,
            formats,
            prefecture=prefecture,
            highlight=highlight,
            prefectures=prefectures,
            municipalities=municipalities,
        )
    seen: dict[str, Any] = {}
    unique = []
    for s in specs:  # the same report asked twice runs once
        if s.name in seen:
            if seen[s.name].parameters != s.parameters or seen[s.name].key != s.key:
                raise click.UsageError(f"two different reports would be written as {s.name!r}: give one a 'name'")
            continue
        seen[s.name] = s
        unique.append(s)
    specs = unique

    client = None
    if cluster is not None:
        from .distributed import ClusterError, connect, worker_count

        try:
            client = connect(cluster)
        except ClusterError as exc:
            raise click.ClickException(str(exc)) from None
    cores = _cores()
    n_jobs = jobs or (batch.jobs if batch and batch.jobs else None) or cores
    if client is not None:
        n_jobs = worker_count(client)  # the cluster's workers, whatever --jobs says
    elif n_jobs > cores:
        click.echo(
            f"warning: {n_jobs} workers asked for, but this machine has {cores} core(s): using {cores} "
            "(each worker holds about 0.5 GB; more workers than cores only run slower)", err=True,
        )
        n_jobs = cores
    where = f" on the Dask cluster {cluster}" if client is not None else ""
    click.echo(
        f"jdx report: {len(specs)} report(s) → {run_dir}/ ({min(n_jobs, max(1, len(specs)))} worker(s){where})",
        err=True,
    )
    if timeout is None:
        timeout = batch.timeout if batch and batch.timeout is not None else DEFAULT_TIMEOUT_S
    progress = _Progress(len(specs))
    t0 = time.perf_counter()
    try:
        with _terminate_as_interrupt():
            result = run_reports(
                specs, out_dir, run, jobs=n_jobs, force=force, notebooks_dir=catalog.directory,
                progress=progress, wait=not no_wait, on_wait=lambda msg: click.echo(msg, err=True),
                timeout=timeout or None, cluster=client,
            )
    except KeyboardInterrupt as exc:
        progress.close()
        signum = exc.signum if isinstance(exc, _Terminated) else signal.SIGINT
        left = ("the cluster's running reports were cancelled and their kernels stopped" if client is not None
                else "no worker or kernel is left")
        click.echo(
            f"interrupted ({signal.Signals(signum).name}): finished reports are in the manifest; "
            f"no half-written file and {left}", err=True,
        )
        ctx.exit(128 + int(signum))
    except (OSError, ValueError) as exc:
        progress.close()
        raise click.ClickException(str(exc)) from None
    finally:
        if client is not None:
            client.close()
    progress.close()

    entries = result.entries
    click.echo(summary_table(entries))
    counts = {s: sum(e["status"] == s for e in entries) for s in ("ok", "skipped", "failed")}
    click.echo(
        f"\n{len(entries)} report(s): {counts['ok']} ok, {counts['skipped']} up to date, "
        f"{counts['failed']} failed in {time.perf_counter() - t0:.1f} s → {result.run_dir / 'index.html'}"
    )
    if counts["failed"]:
        click.echo(f"details of the failures: {result.run_dir / 'manifest.json'}", err=True)
        ctx.exit(1)
