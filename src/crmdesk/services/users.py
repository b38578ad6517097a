"""Users of this database: the owner (created with it), the people they add,
their roles and PINs, and who is signed in.

Users stay in this file: they do not sync (the sync server has its own
accounts). A file with more than one active user asks who is working after
unlocking; a single-user shop is never asked.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.permissions import BUILTIN_ROLES, MANAGE_USERS
from crmdesk.errors import NotFound, SignInFailed, ValidationError
from crmdesk.services.audit import append
from crmdesk.services.context import Context
from crmdesk.services.permissions import (
    BULK_LIMIT_KEY,
    actor_role,
    bulk_limit,
    role_permissions,
)
from crmdesk.services.user_secrets import hash_secret, verify_secret
from crmdesk.services.visibility import OWN_RECORDS_KEY
from crmdesk.store.database import Database
from crmdesk.store.models import Role, Setting, User

ROLES = tuple(BUILTIN_ROLES)
#: Username prefix of the disabled stand-ins sync makes for users of other laptops.
STAND_IN_PREFIX = "remote-"
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Policy:
    """The owner's rules for everyone: record visibility and the bulk limit."""

    own_records_only: bool
    bulk_limit: int


@dataclass(frozen=True)
class UserView:
    """One user as lists and dialogs show them."""

    id: str
    username: str
    display_name: str
    role: str
    has_secret: bool
    disabled: bool


def create_owner(db: Database, username: str | None = None) -> str:
    """Create the owner user of a new database; returns its id."""
    username = username or _login_name()
    now = utcnow()
    with db.writing() as session:
        user = User(
            id=new_id(),
            username=username,
            display_name=username,
            role="owner",
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        append(session, user.id, "create", "user", user.id, f"owner {username}")
        return user.id


def default_actor(db: Database) -> str | None:
    """The user acting when nobody has signed in: the first owner."""
    with db.reading() as session:
        return session.execute(
            select(User.id)
            .where(User.role == "owner", User.deleted_at.is_(None), User.disabled_at.is_(None))
            .order_by(User.created_at)
            .limit(1)
        ).scalar_one_or_none()


class UserService:
    """Adding, disabling and re-roling users; signing in."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self) -> list[UserView]:
        """Every user of this file (disabled ones too; not sync's stand-ins), by username."""
        with self.ctx.read() as session:
            rows = session.execute(
                select(User)
                .where(User.deleted_at.is_(None), ~User.username.startswith(STAND_IN_PREFIX))
                .order_by(func.lower(User.username))
            ).scalars()
            return [_view(user) for user in rows]

    def active(self) -> list[UserView]:
        """The users who may sign in."""
        return [user for user in self.list() if not user.disabled]

    def needs_sign_in(self) -> bool:
        """True when more than one active user shares this file."""
        return len(self.active()) > 1

    def current(self) -> UserView | None:
        """The signed-in (acting) user."""
        if self.ctx.actor_id is None:
            return None
        with self.ctx.read() as session:
            user = session.get(User, self.ctx.actor_id)
            return _view(user) if user is not None else None

    def may(self, permission: str) -> bool:
        """Whether the signed-in user's role grants ``permission``."""
        with self.ctx.read() as session:
            return permission in role_permissions(session, actor_role(session, self.ctx.actor_id))

    def add(
        self, username: str, display_name: str = "", role: str = "salesperson", secret: str = ""
    ) -> UserView:
        """Add a user (owner only); ``secret`` is an optional PIN or password."""
        name = username.strip()
        if not name:
            raise ValidationError("Give the new user a name to sign in with.", field="username")
        if any(ch.isspace() for ch in name) or len(name) > 64 or name.startswith(STAND_IN_PREFIX):
            raise ValidationError(
                f"'{username[:80]}' is not a valid user name (1 to 64 characters, no spaces,"
                f" not starting with '{STAND_IN_PREFIX}').",
                field="username",
            )
        hashed = _hashed(secret)
        now = utcnow()
        with self.ctx.write() as uow:
            uow.require(MANAGE_USERS)
            _check_role(uow.session, role)
            if _find(uow.session, name) is not None:
                raise ValidationError(f"A user named '{name}' already exists.", field="username")
            user = User(
                id=new_id(),
                username=name,
                display_name=display_name.strip() or name,
                role=role,
                secret_hash=hashed,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(user)
            uow.record("create", "user", user.id, f"{role} {name}", {"role": role})
            return _view(user)

    def set_role(self, username: str, role: str) -> UserView:
        """Give a user another role; the last active owner stays an owner."""
        with self.ctx.write() as uow:
            uow.require(MANAGE_USERS)
            _check_role(uow.session, role)
            user = _get(uow.session, username)
            if user.role == role:
                return _view(user)
            if user.role == "owner" and not user.disabled_at:
                _keep_an_owner(uow.session, user)
            uow.record("update", "user", user.id, user.username, {"role": [user.role, role]})
            user.role, user.updated_at = role, utcnow()
            return _view(user)

    def set_disabled(self, username: str, disabled: bool = True) -> UserView:
        """Disable a user (they can no longer sign in) or enable them again."""
        with self.ctx.write() as uow:
            uow.require(MANAGE_USERS)
            user = _get(uow.session, username)
            if disabled and user.id == self.ctx.actor_id:
                raise ValidationError("You cannot disable yourself while signed in.")
            if disabled and user.role == "owner":
                _keep_an_owner(uow.session, user)
            if bool(user.disabled_at) == disabled:
                return _view(user)
            user.disabled_at = utcnow() if disabled else None
            user.updated_at = utcnow()
            uow.record("disable" if disabled else "enable", "user", user.id, user.username)
            return _view(user)

    def set_secret(self, username: str, secret: str) -> None:
        """Set or (with an empty ``secret``) clear a user's PIN; owners, or the user themself."""
        hashed = _hashed(secret)
        with self.ctx.write() as uow:
            user = _get(uow.session, username)
            if user.id != self.ctx.actor_id:
                uow.require(MANAGE_USERS)
            user.secret_hash, user.updated_at = hashed, utcnow()
            uow.record("update", "user", user.id, f"{user.username}: PIN changed")

    def policy(self) -> Policy:
        """Whether salespeople see only their own records, and the bulk limit."""
        with self.ctx.read() as session:
            own = session.get(Setting, OWN_RECORDS_KEY)
            return Policy(own is not None and own.value == "1", bulk_limit(session))

    def set_policy(
        self, *, own_records_only: bool | None = None, bulk_rows: int | None = None
    ) -> Policy:
        """Change the record visibility or the bulk limit (owner only)."""
        if bulk_rows is not None and bulk_rows < 1:
            raise ValidationError("The bulk limit is a number of rows above zero.", field="bulk")
        with self.ctx.write() as uow:
            uow.require(MANAGE_USERS)
            if own_records_only is not None:
                uow.set_setting(OWN_RECORDS_KEY, "1" if own_records_only else "0")
            if bulk_rows is not None:
                uow.set_setting(BULK_LIMIT_KEY, str(bulk_rows))
        return self.policy()

    def sign_in(self, username: str, secret: str = "") -> UserView:
        """Make ``username`` the acting user, checking their PIN if they have one."""
        with self.ctx.read() as session:
            user = _find(session, username.strip())
            if user is None or user.disabled_at is not None:
                raise SignInFailed(f"There is no active user named '{username.strip()}'.")
            if user.secret_hash and not verify_secret(user.secret_hash, secret):
                raise SignInFailed(f"That is not {user.display_name}'s PIN or password.")
            view = _view(user)
        self.ctx.actor_id = view.id
        with self.ctx.write() as uow:
            uow.record("sign_in", "user", view.id, view.username)
        return view


def _view(user: User) -> UserView:
    return UserView(
        user.id,
        user.username,
        user.display_name,
        user.role,
        bool(user.secret_hash),
        user.disabled_at is not None,
    )


def _hashed(secret: str) -> str | None:
    if not secret:
        return None
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            f"A PIN or password needs at least {MIN_SECRET_LENGTH} characters.", field="secret"
        )
    return hash_secret(secret)


def _find(session: Session, username: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.username) == username.lower(), User.deleted_at.is_(None))
    ).scalar_one_or_none()


def _get(session: Session, username: str) -> User:
    user = _find(session, username.strip())
    if user is None:
        raise NotFound(f"There is no user named '{username.strip()}'.")
    return user


def _check_role(session: Session, role: str) -> None:
    if role in BUILTIN_ROLES or session.get(Role, role) is not None:
        return
    raise ValidationError(
        f"'{role}' is not a role; use {', '.join(ROLES)} or one made with 'crmdesk role add'.",
        field="role",
    )


def _keep_an_owner(session: Session, leaving: User) -> None:
    others = session.execute(
        select(func.count())
        .select_from(User)
        .where(
            User.role == "owner",
            User.id != leaving.id,
            User.deleted_at.is_(None),
            User.disabled_at.is_(None),
        )
    ).scalar_one()
    if not others:
        raise ValidationError(
            f"{leaving.username} is the last owner; make someone else owner first."
        )


def _login_name() -> str:
    try:
        return getpass.getuser() or "owner"
    except (OSError, KeyError):
        return "owner"
