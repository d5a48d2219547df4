"""The import rules of DESIGN section 3, checked on the source (no imports run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "livecommerce"
DOMAINS = (
    "accounts",
    "catalog",
    "rooms",
    "follows",
    "sales",
    "promotions",
    "orders",
    "gifts",
    "groups",
    "referrals",
    "draws",
    "analytics",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


def _violations(subpackage: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(subpackage)
        for name in sorted(_imports(path))
        if name.startswith(forbidden)
    ]


def test_only_routes_import_fastapi() -> None:
    """FastAPI and Starlette appear only in routes/ and the app factory."""
    allowed = {PACKAGE / "app.py", PACKAGE / "asgi.py"}
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if "routes" not in path.relative_to(PACKAGE).parts and path not in allowed
        for name in _imports(path)
        if name.startswith(("fastapi", "starlette"))
    ]
    assert bad == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_do_not_import_transport(domain: str) -> None:
    """Domains never import routes or media."""
    assert _violations(domain, ("livecommerce.routes", "livecommerce.media")) == []


def test_hub_imports_only_events_keys_and_errors() -> None:
    """The hub knows nothing of the domains, storage (but keys) or SQLAlchemy; of events it
    knows the machinery (delivery classes), never a domain's event."""
    allowed = (
        "livecommerce.hub", "livecommerce.storage.keys", "livecommerce.errors",
        "livecommerce.events",
    )  # fmt: skip
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("hub")
        for name in _imports(path)
        if (name.startswith("livecommerce") and not name.startswith(allowed))
        or name.startswith(("sqlalchemy", "fastapi", "starlette"))
    ]
    assert bad == []


def test_media_never_touches_storage() -> None:
    """Media stays behind its own interface, without storage."""
    assert _violations("media", ("livecommerce.storage", "sqlalchemy")) == []


def test_events_machinery_imports_no_domain() -> None:
    """The catalogue's machinery is below every domain that declares events with it."""
    forbidden = tuple(f"livecommerce.{d}" for d in (*DOMAINS, "hub", "media", "routes", "storage"))
    assert _violations("events", forbidden) == []


def test_storage_imports_no_domain() -> None:
    """Storage is below every domain."""
    forbidden = tuple(f"livecommerce.{d}" for d in (*DOMAINS, "hub", "media", "routes"))
    assert _violations("storage", forbidden) == []


def test_no_module_is_huge() -> None:
    """Modules stay small enough to read (split by responsibility past ~300 lines)."""
    big = [
        f"{path.relative_to(PACKAGE)}: {n}"
        for path in PACKAGE.rglob("*.py")
        if (n := sum(1 for line in path.read_text().splitlines() if line.strip())) > 400
    ]
    assert big == []


# Each domain may import only the domains before it (DESIGN section 3). Promotions sits
# below orders: checkout prices with its pure function and redeems coupons in the order's
# own transaction, so orders calls promotions, never the other way round. Follows sits
# right above rooms (a reminder is of a show; a round starts when the show does) and
# below promotions, whose coupons may be for a shop's followers. Gifts, group buys,
# referrals and lucky draws build on orders (a gift is paid like an order; a seat is an
# order, and failing refunds it; commissions react to order transitions through
# ``orders.transitions.listen``; a won prize is a zero-price order), so they come after.
# Analytics reads everything and is read by nobody: last.
DOMAIN_ORDER = (
    "accounts", "catalog", "rooms", "follows", "sales", "promotions", "orders", "gifts",
    "groups", "referrals", "draws", "analytics",
)  # fmt: skip


def _package_graph() -> dict[str, set[str]]:
    """Which of livecommerce's subpackages each subpackage imports."""
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    graph: dict[str, set[str]] = {name: set() for name in packages}
    for name in packages:
        for path in _modules(name):
            for imported in _imports(path):
                parts = [*imported.split("."), ""]
                if parts[0] == "livecommerce" and parts[1] in packages and parts[1] != name:
                    graph[name].add(parts[1])
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the packages, or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if state.get(nxt) is None and (found := visit(nxt, [*path, nxt])) is not None:
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if state.get(start) is None and (found := visit(start, [start])) is not None:
            return found
    return None


def test_packages_have_no_import_cycle() -> None:
    """No package imports, directly or through others, a package that imports it."""
    assert _cycle(_package_graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    """The check itself: a graph with a loop is reported."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("domain", DOMAIN_ORDER)
def test_domains_import_downward_only(domain: str) -> None:
    """accounts, catalog -> rooms -> follows -> sales -> promotions -> orders -> gifts ->
    groups -> referrals -> draws -> analytics: never a later domain."""
    later = DOMAIN_ORDER[DOMAIN_ORDER.index(domain) + 1 :]
    assert _violations(domain, tuple(f"livecommerce.{d}" for d in later)) == []


def _opens_unit_of_work(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    return any(
        isinstance(node, ast.Attribute) and node.attr == "unit_of_work" for node in ast.walk(tree)
    )


def test_routes_call_use_cases_not_units_of_work() -> None:
    """Routes and the socket handler never open a transaction: use cases do."""
    assert [p.name for p in _modules("routes") if _opens_unit_of_work(p)] == []
