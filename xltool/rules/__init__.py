"""The rule catalogue and the engine that runs it.

A rule is a small pure function over the model, registered with a stable code, a
default severity, a title and the reviewers' reason (``why``). Per-project rules
take ``(project, ctx)``; batch rules (copied text between projects) take
``(projects, ctx)``. Both yield :class:`~xltool.core.findings.Finding` objects; the
engine fills in file/sheet/project so rules only say what and where.

Word lists and thresholds come from ``data/rules.toml`` (per profile overrides),
so a region adjusts them without code.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, wraps
from importlib import resources
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

from xltool.core.findings import Finding, Severity
from xltool.core.frameworks import Profile, get_profile
from xltool.core.grid import split_ref
from xltool.core.model import Project


@dataclass(frozen=True)
class RuleInfo:
    """Catalogue entry: what docs/rules.md shows (written by scripts/make_rules_doc.py)."""

    code: str
    severity: Severity
    title: str  # short Chinese name
    why: str  # the reviewers' rule it comes from
    bad: str  # a bad example (Chinese)
    good: str  # a good example (Chinese)
    func: Callable[..., Iterable[Finding]]
    batch: bool = False
    raw: Callable[..., Iterable[Finding]] | None = None  # the undecorated function (see :func:`run_rule`)


CATALOGUE: dict[str, RuleInfo] = {}


def rule(
    code: str, severity: Severity, title: str, *, why: str, bad: str, good: str, batch: bool = False
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    """Register a rule function under a stable code.

    The registered (and returned) function is a wrapper that tells the context which
    rule runs while each finding is produced, so ``ctx.finding(message)`` takes the
    code and default severity from here — also when a caller runs ``info.func``
    itself, and even if two rules' generators are consumed interleaved.
    """

    def register(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if code in CATALOGUE:
            raise ValueError(f"duplicate rule code {code}")

        @wraps(func)
        def bound(subject: Any, ctx: RuleContext) -> Iterator[Finding]:
            found = iter(func(subject, ctx))
            while True:
                previous, ctx.rule = ctx.rule, info
                try:
                    item = next(found)
                except StopIteration:
                    return
                finally:
                    ctx.rule = previous
                yield item

        info = RuleInfo(code, severity, title, why, bad, good, bound, batch, func)
        CATALOGUE[code] = info
        return bound

    return register


@cache
def rule_settings() -> dict[str, Any]:
    """``data/rules.toml`` as a dict (word lists, thresholds, per-profile overrides)."""
    path = resources.files("xltool") / "data" / "rules.toml"
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass
class RuleContext:
    """What a rule may consult besides the project: the profile and the settings.

    Settings are read-only (a context with other settings is :meth:`with_settings`), so
    what rules derive from them alone (word lists, unit tables, roles of 二级 names) is
    kept in ``shared``, one memo for every context of a profile; ``memo`` holds what
    depends on the projects and lives as long as the context.
    """

    profile: Profile
    settings: Mapping[str, Any] = field(default_factory=dict)
    rule: RuleInfo | None = None  # the rule running right now (set by :func:`rule`'s wrapper)
    subject: Project | None = None  # the project a per-project rule is looking at: where its findings are
    # Memos by name (a missing name is an empty memo): rules ask them hundreds of thousands of times a batch.
    memo: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict), repr=False, compare=False)
    shared: dict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict), repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("memo", "shared"):
            given = getattr(self, name)
            if not isinstance(given, defaultdict):
                setattr(self, name, defaultdict(dict, given))

    @classmethod
    def for_profile(cls, name: str | None) -> "RuleContext":
        profile = get_profile(name)
        settings, shared = _profile_settings(profile.name)
        return cls(profile=profile, settings=settings, shared=shared)

    def with_settings(self, **changes: Any) -> "RuleContext":
        """The same profile with some settings changed (and memos of its own)."""
        return RuleContext(profile=self.profile, settings=MappingProxyType({**self.settings, **changes}))

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def finding(self, *args: str, severity: Severity | None = None, **where: str) -> Finding:
        """A finding of the running rule: ``finding(message, cell=…)``.

        The code is the decorator's, so a rule never repeats it; the older form
        ``finding(code, message, …)`` is still accepted while rules are converted.
        """
        if len(args) == 2:
            code, message = args
            info = CATALOGUE[code]
        elif len(args) == 1 and self.rule is not None:
            (message,), info = args, self.rule
            code = info.code
        else:
            raise TypeError("finding() takes (message) inside a running rule, or (code, message)")
        subject = self.subject
        if subject is not None:  # stamped here, once, rather than copied afterwards
            where.setdefault("file", subject.file)
            where.setdefault("sheet", subject.sheet)
            where.setdefault("project", subject.name)
        return Finding(code=code, severity=severity or info.severity, message=message, **where)


def run_rule(info: RuleInfo, subject: Any, ctx: RuleContext) -> list[Finding]:
    """Every finding of one rule, run as a whole: the engine's way in.

    ``info.func`` re-announces its rule around each step of its generator so that
    interleaved callers stay right; consumed in one go, announcing it once is enough,
    and across 50 rules and thousands of tables that step is measurable.
    """
    previous, ctx.rule = ctx.rule, info
    try:
        return list((info.raw or info.func)(subject, ctx))
    finally:
        ctx.rule = previous


@cache
def _profile_settings(profile: str) -> tuple[Mapping[str, Any], dict[str, dict[Any, Any]]]:
    """A profile's settings (``rules.toml`` with its overrides), read-only, and their shared memo."""
    base = dict(rule_settings())
    overrides = base.pop("profile", {}).get(profile, {})
    return MappingProxyType({**base, **overrides}), defaultdict(dict)


@cache
def _load_rule_modules() -> None:
    """Import the rule modules (once) so their decorators register them."""
    from importlib import import_module
    from pkgutil import iter_modules

    for module in iter_modules(__path__):
        import_module(f"{__name__}.{module.name}")


def _stamp(finding: Finding, project: Project) -> Finding:
    return finding.model_copy(
        update={
            "file": finding.file or project.file,
            "sheet": finding.sheet or project.sheet,
            "project": finding.project or project.name,
        }
    )


def check_project(project: Project, ctx: RuleContext) -> list[Finding]:
    """Every per-project rule over one project, each finding placed in its file and sheet, in cell order.

    The one way a project is checked: ``validate_projects`` and merge's readers both call it.
    """
    _load_rule_modules()
    previous, ctx.subject = ctx.subject, project
    try:
        found = [f for info in list(CATALOGUE.values()) if not info.batch for f in run_rule(info, project, ctx)]
    finally:
        ctx.subject = previous
    found.sort(key=_sort_key)
    return found


def validate_projects(projects: list[Project], *, profile: str | None = None) -> list[Finding]:
    """Run every rule over the projects; findings sorted by file, sheet, severity, row."""
    _load_rule_modules()
    findings: list[Finding] = []
    contexts: dict[str, RuleContext] = {}

    def ctx_for(project: Project) -> RuleContext:
        name = profile or project.profile or None
        key = name or ""
        if key not in contexts:
            contexts[key] = RuleContext.for_profile(name)
        return contexts[key]

    for project in projects:
        findings.extend(check_project(project, ctx_for(project)))
    if projects:
        ctx = ctx_for(projects[0])
        by_key = {(p.file, p.sheet, p.name): p for p in projects}
        for info in list(CATALOGUE.values()):
            if info.batch:
                for f in run_rule(info, projects, ctx):
                    findings.append(f if f.file else _stamp(f, by_key.get((f.file, f.sheet, f.project), projects[0])))
    findings.sort(key=_sort_key)
    return findings


def _sort_key(f: Finding) -> tuple[Any, ...]:
    try:
        row, col = split_ref(f.cell) if f.cell else (0, 0)
    except ValueError:
        row, col = 0, 0
    return (f.file, f.sheet, row, col, f.severity.rank, f.code)


def iter_catalogue() -> Iterator[RuleInfo]:
    _load_rule_modules()
    yield from sorted(CATALOGUE.values(), key=lambda i: i.code)
