"""Administration pages: the audit log, user accounts and compartments.

Every page goes through the services, which check the role's permissions; a refusal becomes a
403 page. Input the services would refuse is checked first, after the permission, so a mistyped
name or passphrase gets a one-line 400 answer on the page it came from.
"""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from vigil.bootstrap import Vigil
from vigil.services import accounts, compartments, recovery
from vigil.services.auditing import audit_entries
from vigil.services.permissions import ROLES, NotAllowed, allows
from vigil.services.ports import MIN_PASSPHRASE, WrongPassphrase
from vigil.services.workspace import DEFAULT_COMPARTMENT, NotFound
from vigil.web.sessions import WebSession
from vigil.web.site import Form, Site, me, signed_in

PAGE_SIZE = 50
MEMBER_FIELD = "member:"
COMPARTMENT_FIELD = "compartment:"

T = TypeVar("T")


async def off_loop(handler: Callable[..., T], *args: Any) -> T:
    """Run a form's handler in a worker thread: key derivation, re-encryption and waiting for
    the session's lock never hold up the event loop."""
    return await asyncio.to_thread(handler, *args)


def checked(fields: dict[str, str], prefix: str) -> tuple[str, ...]:
    """The names of the ticked check boxes whose field names start with the prefix."""
    return tuple(key[len(prefix) :] for key, value in fields.items() if key.startswith(prefix))


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    # -- the audit log ----------------------------------------------------------------------

    @routes.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request, user: str = "", action: str = "", record: str = "", page: int = 1
    ) -> Response:
        session = site.session(request)
        with session.lock:
            vigil = signed_in(session)
            rows = list(
                audit_entries(
                    vigil.workspace,
                    vigil.store,
                    actor=user.strip() or None,
                    record=record.strip() or None,
                    action=action.strip() or None,
                )
            )
            problems = vigil.verify_audit()
        rows.reverse()
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = min(max(page, 1), pages)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return site.render(
            request,
            "admin/audit.html",
            session,
            rows=[(r, ", ".join(f"{k}={v}" for k, v in sorted(r.details.items()))) for r in shown],
            total=len(rows),
            page=page,
            pages=pages,
            filters={"user": user, "action": action, "record": record},
            problems=problems,
        )

    # -- users ------------------------------------------------------------------------------

    def users_page(
        request: Request,
        session: WebSession,
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        with session.lock:
            vigil = signed_in(session)
            users = accounts.list_users(vigil.store, me(vigil))
            mine = [
                c.name
                for c in compartments.list_compartments(vigil.store, me(vigil))
                if c.name in me(vigil).keys
            ]
        return site.render(
            request,
            "admin/users.html",
            session,
            status,
            users=users,
            roles=ROLES,
            compartments=mine,
            default_compartment=DEFAULT_COMPARTMENT,
            error=error,
            notice=notice,
            form=form or {},
        )

    @routes.get("/admin/users", response_class=HTMLResponse)
    def users(request: Request) -> Response:
        return users_page(request, site.session(request))

    @routes.post("/admin/users", response_class=HTMLResponse)
    async def add_user(request: Request) -> Response:
        return await off_loop(adding, request, await site.form(request))

    def adding(request: Request, form: Form) -> Response:
        session = form.session
        name, role = form.get("name").strip(), form.get("role")
        passphrase, again = form.get("passphrase"), form.get("passphrase_again")
        where = checked(form.fields, COMPARTMENT_FIELD)
        kept = {"name": name, "role": role}
        with session.lock:
            vigil = signed_in(session)
            existing = {u.name for u in accounts.list_users(vigil.store, me(vigil))}

        def refuse(text: str) -> Response:
            return users_page(request, session, 400, error=text, form=kept)

        if not accounts.valid_user_name(name):
            return refuse(
                site.gettext(request, "A user name may use letters, digits, '.', '-' and '_' only.")
            )
        if name in existing:
            return refuse(site.gettext(request, "The user %(name)s already exists.", name=name))
        if role not in ROLES:
            return refuse(site.gettext(request, "Choose one of the roles."))
        if passphrase != again:
            return refuse(site.gettext(request, "The two passphrases differ."))
        if len(passphrase) < MIN_PASSPHRASE:
            return refuse(
                site.gettext(
                    request, "A passphrase needs at least %(n)s characters.", n=MIN_PASSPHRASE
                )
            )

        try:
            with session.lock:
                vigil = signed_in(session)
                vigil.add_user(name, role, passphrase, where)
                vigil.workspace.record_event(
                    "user-add", None, {"user": name, "role": role, "compartments": ",".join(where)}
                )
        except (NotAllowed, WrongPassphrase) as error:
            return users_page(request, session, 400, error=str(error), form=kept)
        notice = site.gettext(request, "Added %(name)s (%(role)s).", name=name, role=role)
        return users_page(request, session, notice=notice)

    def set_disabled(request: Request, form: Form, name: str, disabled: bool) -> Response:
        session = form.session
        with session.lock:
            vigil = signed_in(session)
            known = {u.name for u in accounts.list_users(vigil.store, me(vigil))}
            mine = me(vigil).user.name
            if name not in known:
                error = site.gettext(request, "There is no user %(name)s.", name=name)
            elif name == mine:
                error = site.gettext(request, "You cannot disable or enable your own account.")
            else:
                error = None
                accounts.set_disabled(vigil.store, me(vigil), name, disabled)
                vigil.workspace.record_event(
                    "user-disable" if disabled else "user-enable", None, {"user": name}
                )
        if error is not None:
            return users_page(request, session, 400, error=error)
        if disabled:
            site.sessions.end_user(name)
            notice = site.gettext(request, "Disabled %(name)s.", name=name)
        else:
            notice = site.gettext(request, "Enabled %(name)s.", name=name)
        return users_page(request, session, notice=notice)

    def set_role(request: Request, form: Form, name: str) -> Response:
        session = form.session
        role = form.get("role")
        with session.lock:
            vigil = signed_in(session)
            known = {u.name for u in accounts.list_users(vigil.store, me(vigil))}
            if name not in known:
                error = site.gettext(request, "There is no user %(name)s.", name=name)
            elif name == me(vigil).user.name:
                error = site.gettext(request, "You cannot change your own role.")
            elif role not in ROLES:
                error = site.gettext(request, "Choose one of the roles.")
            else:
                error = None
                before = accounts.set_role(vigil.store, me(vigil), name, role)
                vigil.workspace.record_event(
                    "user-role", None, {"user": name, "from": before, "to": role}
                )
        if error is not None:
            return users_page(request, session, 400, error=error)
        # the user's open pages were signed in with the old role: they sign in again
        site.sessions.end_user(name)
        notice = site.gettext(request, "%(name)s is now %(role)s.", name=name, role=role)
        return users_page(request, session, notice=notice)

    @routes.post("/admin/users/{name}/role", response_class=HTMLResponse)
    async def change_role(request: Request, name: str) -> Response:
        return await off_loop(set_role, request, await site.form(request), name)

    @routes.post("/admin/users/{name}/disable", response_class=HTMLResponse)
    async def disable(request: Request, name: str) -> Response:
        return await off_loop(set_disabled, request, await site.form(request), name, True)

    @routes.post("/admin/users/{name}/enable", response_class=HTMLResponse)
    async def enable(request: Request, name: str) -> Response:
        return await off_loop(set_disabled, request, await site.form(request), name, False)

    # -- compartments -----------------------------------------------------------------------

    def compartments_page(
        request: Request,
        session: WebSession,
        status: int = 200,
        error: str | None = None,
        notices: list[str] | None = None,
    ) -> Response:
        with session.lock:
            vigil = signed_in(session)
            found = compartments.list_compartments(vigil.store, me(vigil))
            role = me(vigil).user.role
            manage = allows(role, "compartment.manage")
            users = (
                [u.name for u in accounts.list_users(vigil.store, me(vigil))]
                if allows(role, "user.manage")
                else []
            )
            held = set(me(vigil).keys)
        return site.render(
            request,
            "admin/compartments.html",
            session,
            status,
            compartments=found,
            users=users,
            manage=manage,
            rekey=allows(role, "compartment.rekey"),
            held=held,
            error=error,
            notices=notices or [],
        )

    def known_compartment(vigil: Vigil, name: str) -> None:
        names = {c.name for c in compartments.list_compartments(vigil.store, me(vigil))}
        if name not in names:
            raise NotFound(f"no compartment {name!r}")

    def wraps_reminder(request: Request, vigil: Vigil) -> list[str]:
        if not recovery.has_recovery_key(vigil.store):
            return []
        return [
            site.gettext(
                request,
                "The recovery wraps changed: write a new off-machine copy with "
                "`vigil recovery wraps FILE`, or a shred would lose this key.",
            )
        ]

    @routes.get("/admin/compartments", response_class=HTMLResponse)
    def compartment_list(request: Request) -> Response:
        return compartments_page(request, site.session(request))

    @routes.post("/admin/compartments", response_class=HTMLResponse)
    async def create_compartment(request: Request) -> Response:
        return await off_loop(creating, request, await site.form(request))

    def creating(request: Request, form: Form) -> Response:
        session = form.session
        name = form.get("name").strip()
        members = checked(form.fields, MEMBER_FIELD)
        with session.lock:
            vigil = signed_in(session)
            accounts.require(me(vigil), "compartment.manage")
            try:
                compartments.create(
                    vigil.workspace, vigil.store, vigil.user_keys, me(vigil), name, members
                )
            except NotAllowed as error:  # the permission is checked: this is the input
                refused: str | None = str(error)
            else:
                refused = None
                notices = [site.gettext(request, "Created the compartment %(name)s.", name=name)]
                notices += wraps_reminder(request, vigil)
        if refused is not None:
            return compartments_page(request, session, 400, error=refused)
        return compartments_page(request, session, notices=notices)

    @routes.post("/admin/compartments/{name}/members", response_class=HTMLResponse)
    async def add_member(request: Request, name: str) -> Response:
        return await off_loop(adding_member, request, await site.form(request), name)

    def adding_member(request: Request, form: Form, name: str) -> Response:
        session = form.session
        user = form.get("user").strip()
        refused = None
        with session.lock:
            vigil = signed_in(session)
            accounts.require(me(vigil), "compartment.manage")
            known_compartment(vigil, name)
            try:
                if user not in {u.name for u in accounts.list_users(vigil.store, me(vigil))}:
                    raise NotAllowed(site.gettext(request, "There is no user %(name)s.", name=user))
                compartments.add_member(
                    vigil.workspace, vigil.store, vigil.user_keys, me(vigil), name, user
                )
            except NotAllowed as error:
                refused = str(error)
        if refused is not None:
            return compartments_page(request, session, 400, error=refused)
        notice = site.gettext(
            request, "%(user)s is now a member of %(name)s.", user=user, name=name
        )
        return compartments_page(request, session, notices=[notice])

    @routes.post("/admin/compartments/{name}/members/{user}/remove", response_class=HTMLResponse)
    async def remove_member(request: Request, name: str, user: str) -> Response:
        return await off_loop(removing_member, request, await site.form(request), name, user)

    def removing_member(request: Request, form: Form, name: str, user: str) -> Response:
        session = form.session
        with session.lock:
            vigil = signed_in(session)
            accounts.require(me(vigil), "compartment.manage")
            known_compartment(vigil, name)
            try:
                version = compartments.remove_member(
                    vigil.workspace, vigil.store, vigil.user_keys, me(vigil), name, user
                )
            except NotAllowed as error:
                refused: str | None = str(error)
            else:
                refused = None
                reminder = wraps_reminder(request, vigil)
        if refused is not None:
            return compartments_page(request, session, 400, error=refused)
        site.sessions.end_user(user)
        notices = [
            site.gettext(
                request,
                "Removed %(user)s from %(name)s; new data is sealed under key version %(version)s.",
                user=user,
                name=name,
                version=version,
            ),
            site.gettext(
                request,
                "A re-encryption is pending: until it runs, what was sealed before stays under "
                "the old key. Run it with the Re-encrypt button.",
            ),
            *reminder,
        ]
        return compartments_page(request, session, notices=notices)

    @routes.post("/admin/compartments/{name}/rekey", response_class=HTMLResponse)
    async def rekey(request: Request, name: str) -> Response:
        return await off_loop(rekeying, request, await site.form(request), name)

    def rekeying(request: Request, form: Form, name: str) -> Response:
        session = form.session
        with session.lock:  # batched and resumable: an interrupted run is taken up again
            vigil = signed_in(session)
            accounts.require(me(vigil), "compartment.rekey")
            known_compartment(vigil, name)
            result = compartments.rekey(
                vigil.workspace, vigil.store, vigil.user_keys, me(vigil), name
            )
        notice = site.gettext(
            request,
            "Re-encrypted %(resealed)s sealed sections of %(name)s; %(deleted)s old key wraps "
            "deleted.",
            resealed=result.resealed,
            name=name,
            deleted=result.wraps_deleted,
        )
        return compartments_page(request, session, notices=[notice])

    return routes
