"""The rule catalogue and the engine that runs it.

A rule is a small pure function over the model, registered with a stable code, a
default severity, a title and the reviewers' reason (``why``). Per-project rules
take ``(project, ctx)``. Batch rules (across projects: duplicates, copied text) are
streaming checks: their ``keep`` takes what the rule needs of one project (a key, a
digest, a few texts), and the rule runs over those kept items at the end
(:class:`BatchRun`), so validate and merge run the same code and no batch holds every
project. Rules yield :class:`~xltool.core.findings.Finding` objects; the engine fills
in file/sheet/project of per-project rules so rules only say what and where.

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
    keep: Callable[[Project, "RuleContext"], Any] | None = None  # batch rules: what they keep of one project


CATALOGUE: dict[str, RuleInfo] = {}


def rule(
    code: str, severity: Severity, title: str, *, why: str, bad: str, good: str, batch: bool = False,
    keep: Callable[[Project, "RuleContext"], Any] | None = None,
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    """Register a rule function under a stable code.

    A batch rule names its ``keep(project, ctx)``: what it keeps of each project (``None``:
    nothing); the function then takes the list of kept items (see :class:`BatchRun`).

    The registered (and returned) function is a wrapper that tells the context which
    rule runs while each finding is produced, so ``ctx.finding(message)`` takes the
    code and default severity from here — also when a caller runs ``info.func``
    itself, and even if two rules' generators are consumed interleaved.
    """

    def register(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if code in CATALOGUE:
            raise ValueError(f"duplicate rule code {code}")
        if batch != (keep is not None):
            raise ValueError(f"rule {code}: a batch rule, and only a batch rule, says what it keeps (keep=…)")

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

        info = RuleInfo(code, severity, title, why, bad, good, bound, batch, func, keep)
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


class BatchRun:
    """The batch rules as streaming checks: each project is seen once, then :meth:`finish`.

    A rule keeps only what its ``keep`` takes of a project, so memory grows with those
    items, not with whole projects. ``validate`` calls :meth:`see` per project; merge calls
    :meth:`keep` where it reads a file (a worker process) and :meth:`add`s the result here
    later, in input order: both then run the same rule code over the same items.
    """

    def __init__(self, ctx: RuleContext, codes: Iterable[str] | None = None) -> None:
        _load_rule_modules()
        chosen = None if codes is None else set(codes)
        self.ctx = ctx
        self.rules = [info for info in sorted(CATALOGUE.values(), key=lambda i: i.code)
                      if info.batch and (chosen is None or info.code in chosen)]
        # Rules that keep the same things (JX701 and JX702: the texts) share one call and one list.
        self.keeps: list[Callable[[Project, RuleContext], Any]] = list(
            dict.fromkeys(info.keep for info in self.rules if info.keep is not None))
        self.kept: list[list[Any]] = [[] for _ in self.keeps]

    def keep(self, project: Project) -> tuple[Any, ...]:
        """What the rules keep of one project (picklable, small): the argument of :meth:`add`."""
        return tuple(keep(project, self.ctx) for keep in self.keeps)

    def add(self, kept: Iterable[Any]) -> None:
        for bucket, item in zip(self.kept, kept, strict=True):
            if item is not None:
                bucket.append(item)

    def see(self, project: Project) -> None:
        self.add(self.keep(project))

    def finish(self) -> list[Finding]:
        """Every batch rule over everything kept."""
        found: list[Finding] = []
        for info in self.rules:
            if info.keep is not None:
                found.extend(run_rule(info, self.kept[self.keeps.index(info.keep)], self.ctx))
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

    batch = BatchRun(ctx_for(projects[0])) if projects else None
    for project in projects:
        findings.extend(check_project(project, ctx_for(project)))
        if batch is not None:
            batch.see(project)
    if batch is not None:
        findings.extend(batch.finish())
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
