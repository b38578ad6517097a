"""The services of one open database, in one object for the CLI and the GUI."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from crmdesk.domain.audit_chain import ChainReport
from crmdesk.domain.money import validate_currency
from crmdesk.domain.phones import default_region, validate_region
from crmdesk.services import stored_settings, users
from crmdesk.services.activities import ActivityService
from crmdesk.services.contact_queries import ContactQueries
from crmdesk.services.contacts import ContactService
from crmdesk.services.context import Context
from crmdesk.services.custom_fields import CustomFieldService
from crmdesk.services.deals import DealService
from crmdesk.services.followups import FollowUpService
from crmdesk.services.roles import RoleService
from crmdesk.services.screenpop import ScreenPopService
from crmdesk.services.search import SearchService
from crmdesk.services.sync_status import SyncStatusService
from crmdesk.services.users import UserService
from crmdesk.store.database import Database

if TYPE_CHECKING:
    from crmdesk.services.audit_trail import AuditTrail
    from crmdesk.services.contact_merge import MergeService
    from crmdesk.services.duplicates import DuplicateService
    from crmdesk.services.exports import ExportService
    from crmdesk.services.import_undo import ImportHistory
    from crmdesk.services.imports import ImportService
    from crmdesk.services.privacy import PrivacyService
    from crmdesk.services.reports.service import ReportService
    from crmdesk.services.smart_lists import SmartListService
    from crmdesk.services.suggestions import SuggestionService
    from crmdesk.services.trash import TrashService
    from crmdesk.services.upsell import UpsellService

DEFAULT_CURRENCY = "EUR"


class Crm:
    """An unlocked database and every service over it."""

    def __init__(
        self, db: Database, *, region: str | None = None, currency: str | None = None
    ) -> None:
        self.db = db
        stored = self.stored_settings()
        region = validate_region(region or stored.get("region") or default_region())
        currency = currency or stored.get("currency") or DEFAULT_CURRENCY
        self.ctx = Context(db, users.default_actor(db), region, currency)
        self.contacts = ContactService(self.ctx)
        self.custom_fields = CustomFieldService(self.ctx)
        self.queries = ContactQueries(self.ctx)
        self.activities = ActivityService(self.ctx)
        self.followups = FollowUpService(self.ctx)
        self.deals = DealService(self.ctx)
        self.search = SearchService(self.ctx)
        self.screenpop = ScreenPopService(
            self.ctx, self.queries, lambda contact_id: self.upsell.suggest_for(contact_id)
        )
        self.sync = SyncStatusService(self.ctx)
        self.users = UserService(self.ctx)
        self.roles = RoleService(self.ctx)

    # Imported on first use: most sessions never export, import or merge, and
    # these modules cost a tenth of a second or more of every start-up.
    @cached_property
    def audit(self) -> AuditTrail:
        """Reading and verifying the audit trail, tracing exports, watermarks."""
        from crmdesk.services.audit_trail import AuditTrail

        return AuditTrail(self.ctx)

    @cached_property
    def duplicates(self) -> DuplicateService:
        """Possible duplicate contacts found after a sync, and their dismissal."""
        from crmdesk.services.duplicates import DuplicateService

        return DuplicateService(self.ctx)

    @cached_property
    def merges(self) -> MergeService:
        """Merging two contacts into one, and undoing it."""
        from crmdesk.services.contact_merge import MergeService

        return MergeService(self.ctx)

    @cached_property
    def exports(self) -> ExportService:
        """Writing data to CSV, vCard and iCalendar files."""
        from crmdesk.services.exports import ExportService

        return ExportService(self.ctx)

    @cached_property
    def trash(self) -> TrashService:
        """Deleted records: restore them, or purge them for good."""
        from crmdesk.services.trash import TrashService

        return TrashService(self.ctx)

    @cached_property
    def privacy(self) -> PrivacyService:
        """A person's export and erasure, and the retention review."""
        from crmdesk.services.privacy import PrivacyService

        return PrivacyService(self.ctx)

    @cached_property
    def reports(self) -> ReportService:
        """Reports: trends, the customer journey, customers at risk."""
        from crmdesk.services.reports.service import ReportService

        return ReportService(self.ctx)

    @cached_property
    def upsell(self) -> UpsellService:
        """What to offer a customer next: "customers who bought X also bought Y"."""
        from crmdesk.services.upsell import UpsellService

        return UpsellService(self.ctx)

    @cached_property
    def suggestions(self) -> SuggestionService:
        """Suggested follow-ups (birthdays, quiet customers, complaint check-ins)."""
        from crmdesk.services.suggestions import SuggestionService

        return SuggestionService(self.ctx)

    @cached_property
    def smart_lists(self) -> SmartListService:
        """Saved searches that stay live; exporting them, follow-ups for them."""
        from crmdesk.services.smart_lists import SmartListService

        return SmartListService(self.ctx)

    @cached_property
    def imports(self) -> ImportService:
        """Reading contacts from CSV and vCard files."""
        from crmdesk.services.imports import ImportService

        return ImportService(self.ctx)

    @cached_property
    def import_history(self) -> ImportHistory:
        """The imports done so far, and their undo."""
        from crmdesk.services.import_undo import ImportHistory

        return ImportHistory(self.ctx)

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        region: str | None = None,
        currency: str | None = None,
        owner: str | None = None,
        recovery_code: str | None = None,
    ) -> Crm:
        """Create a new encrypted database with its owner user (and a recovery code)."""
        db = Database.create(path, passphrase, recovery_code=recovery_code)
        users.create_owner(db, owner)
        crm = cls(db, region=region, currency=currency)
        crm.save_setting("region", crm.ctx.region)
        crm.save_setting("currency", crm.ctx.currency)
        return crm

    @classmethod
    def open(
        cls,
        path: Path,
        passphrase: str,
        *,
        region: str | None = None,
        currency: str | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> Crm:
        """Unlock an existing database; ``notice`` hears of a long one-time upgrade."""
        db = Database.open(path, passphrase, notice=notice)
        return cls(db, region=region, currency=currency)

    @classmethod
    def recover(
        cls, path: Path, recovery_code: str, new_passphrase: str, *, region: str | None = None
    ) -> Crm:
        """Set a new passphrase with the recovery code (the old one was forgotten) and open."""
        return cls(Database.recover(path, recovery_code, new_passphrase), region=region)

    def close(self) -> None:
        """Release the database."""
        self.db.close()

    def change_passphrase(self, old: str, new: str) -> None:
        """Wrap the database key with a new passphrase (the file is not re-encrypted)."""
        self.db.change_passphrase(old, new)

    def check_passphrase(self, passphrase: str) -> None:
        """Raise WrongPassphrase (or UnlockThrottled) unless it is this database's."""
        self.db.check_passphrase(passphrase)

    @property
    def region(self) -> str:
        """Default phone region for numbers typed without a country code."""
        return self.ctx.region

    @property
    def currency(self) -> str:
        """Default currency of purchases, payments, deals and terms."""
        return self.ctx.currency

    def change_defaults(self, *, region: str | None = None, currency: str | None = None) -> None:
        """Validate, keep in the database and start using a new region or currency."""
        new_region = validate_region(region) if region else self.ctx.region
        new_currency = validate_currency(currency) if currency else self.ctx.currency
        self.save_setting("region", new_region)
        self.save_setting("currency", new_currency)
        self.ctx.region, self.ctx.currency = new_region, new_currency

    def stored_settings(self) -> dict[str, str]:
        """Settings kept inside the database (shared by everyone using it)."""
        return stored_settings.read_all(self.db)

    def save_setting(self, key: str, value: str) -> None:
        """Keep a setting inside the database."""
        stored_settings.save(self.ctx, key, value)

    def verify_audit(self) -> ChainReport:
        """Check the audit trail's hash chain."""
        return self.audit.verify()
