"""Who may do what: the permission matrix of the five roles, checked by every use case.

Roles say what a user may do; compartment membership says what they may read. Neither is
enough alone: an administrator who is not a member of a compartment holds no key to its data.
"""

ROLES = ("admin", "coordinator", "documenter", "analyst", "viewer")

_EVERYONE = frozenset(ROLES)
_NOT_ANALYST = frozenset(ROLES) - {"analyst"}

PERMISSIONS: dict[str, frozenset[str]] = {
    # reading public fields of records in one's compartments, their history, the overview
    "record.read": _EVERYONE,
    "record.write": frozenset({"admin", "coordinator", "documenter"}),
    "record.delete": frozenset({"admin", "coordinator"}),
    # opening a sealed section (identities, testimony): members only, never analysts
    "sealed.reveal": _NOT_ANALYST,
    # finding a person by name through the blind index
    "person.find": _NOT_ANALYST,
    # an export with sealed sections (re-sealed or in plaintext), and imports
    "export.full": frozenset({"admin", "coordinator"}),
    # CSV tables without any sealed section
    "export.tables": _EVERYONE,
    "import": frozenset({"admin", "coordinator"}),
    "audit.read": frozenset({"admin", "coordinator"}),
    "user.manage": frozenset({"admin"}),
    "compartment.manage": frozenset({"admin"}),
    # splitting the organisation recovery key among trustees
    "recovery.manage": frozenset({"admin"}),
    # re-encrypting a compartment after a member left, rebuilding its name index: members
    "compartment.rekey": frozenset({"admin", "coordinator", "documenter"}),
}


class NotAllowed(Exception):
    """The signed-in user's role or compartment membership does not allow this."""


def allows(role: str, permission: str) -> bool:
    """Say whether a role holds a permission; an unknown permission is never held."""
    return role in PERMISSIONS.get(permission, frozenset())


def check(user: str, role: str, permission: str) -> None:
    """Fail with NotAllowed, naming the roles that hold the permission, unless the role does."""
    if not allows(role, permission):
        holders = [r for r in ROLES if r in PERMISSIONS.get(permission, frozenset())]
        raise NotAllowed(
            f"{user} ({role}) may not do this ({permission}); "
            f"it needs the role {' or '.join(holders) or 'none'}"
        )
