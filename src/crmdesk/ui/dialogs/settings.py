"""Preferences: phone region, currency, number and date locale, reminders, idle
lock, automatic backups and the screen-pop endpoint."""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config import paths
from crmdesk.config.settings import Settings, save_settings
from crmdesk.domain.money import KNOWN
from crmdesk.domain.permissions import MANAGE_USERS
from crmdesk.services.app import Crm
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, muted, show_error

LOCALES = (
    "en_US",
    "en_GB",
    "fi_FI",
    "sv_SE",
    "de_DE",
    "fr_FR",
    "it_IT",
    "es_ES",
    "nl_NL",
    "pl_PL",
    "pt_PT",
    "et_EE",
)


def region_name(code: str) -> str:
    """``Finland (FI)`` for ``FI``."""
    territory = QLocale.codeToTerritory(code)
    name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else ""
    return f"{name} ({code})" if name else code


class SettingsDialog(FormDialog):
    """Edits :class:`Settings` (file) and the database's region and currency."""

    applied = Signal()

    def __init__(
        self, crm: Crm, ops: Ops, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._settings = crm, ops, settings
        self.setWindowTitle("Settings")

        self.region = QComboBox()
        regions = sorted(phonenumbers.SUPPORTED_REGIONS, key=region_name)
        for code in regions:
            self.region.addItem(region_name(code), code)
        self.region.setCurrentIndex(max(0, self.region.findData(crm.region)))
        self.currency = QComboBox()
        self.currency.addItems(sorted(KNOWN))
        self.currency.setCurrentText(crm.currency)
        self.locale = QComboBox()
        self.locale.addItem(f"System default ({QLocale.system().name()})", "")
        for name in LOCALES:
            loc = QLocale(name)
            self.locale.addItem(
                f"{loc.nativeLanguageName()} – {loc.nativeTerritoryName()} ({name})", name
            )
        self.locale.setCurrentIndex(max(0, self.locale.findData(settings.locale)))
        data = QGroupBox("This database (shared by everyone who uses it)")
        data_form = QFormLayout(data)
        data_form.addRow("Default phone &region:", self.region)
        data_form.addRow(muted("Numbers typed without a country code belong to this country."))
        data_form.addRow("Default &currency:", self.currency)
        if not crm.users.may(MANAGE_USERS):
            self.region.setEnabled(False)
            self.currency.setEnabled(False)
            data_form.addRow(muted("Only the owner can change these."))

        looks = QGroupBox("This computer")
        looks_form = QFormLayout(looks)
        looks_form.addRow("Numbers and &dates:", self.locale)
        self.reminders = QCheckBox("Remind me when a follow-up falls due")
        self.reminders.setChecked(settings.reminders_enabled)
        self.lead = QSpinBox()
        self.lead.setRange(0, 240)
        self.lead.setSuffix(" minutes before")
        self.lead.setSpecialValueText("When it is due")
        self.lead.setValue(settings.reminder_lead_minutes)
        self.reminders.toggled.connect(self.lead.setEnabled)
        self.lead.setEnabled(settings.reminders_enabled)
        looks_form.addRow("Reminders:", self.reminders)
        looks_form.addRow("Remind &me:", self.lead)

        pop = QGroupBox("Screen pop from your phone system")
        pop_form = QFormLayout(pop)
        self.endpoint = QCheckBox("Accept pop requests on this computer (http://127.0.0.1)")
        self.endpoint.setChecked(settings.pop_endpoint_enabled)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(settings.pop_endpoint_port)
        self.endpoint.toggled.connect(self.port.setEnabled)
        self.port.setEnabled(settings.pop_endpoint_enabled)
        self.example = muted()
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.port.valueChanged.connect(self._update_example)
        pop_form.addRow(self.endpoint)
        pop_form.addRow("&Port:", self.port)
        pop_form.addRow(self.example)
        self._update_example()

        safety = QGroupBox("Locking and backups (this computer)")
        safety_form = QFormLayout(safety)
        self.idle_lock = QSpinBox()
        self.idle_lock.setRange(0, 480)
        self.idle_lock.setSuffix(" minutes without use")
        self.idle_lock.setSpecialValueText("Never")
        self.idle_lock.setValue(settings.idle_lock_minutes)
        safety_form.addRow("&Lock after:", self.idle_lock)
        safety_form.addRow(muted("Ctrl+Shift+L locks at once; the passphrase unlocks."))
        self.backup_keep = QSpinBox()
        self.backup_keep.setRange(0, 365)
        self.backup_keep.setSuffix(" daily backups")
        self.backup_keep.setSpecialValueText("No automatic backups")
        self.backup_keep.setValue(settings.backup_keep)
        safety_form.addRow("&Keep:", self.backup_keep)
        folder = muted(f"In {paths.backup_dir()}")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        safety_form.addRow(folder)

        self.problem = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button = self.ok_button
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (data, looks, safety, pop):
            layout.addWidget(group)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _update_example(self) -> None:
        self.example.setText(
            f"Your phone system can open: http://127.0.0.1:{self.port.value()}/pop?number=0401234567"
        )

    def _save(self) -> None:
        s = self._settings
        s.locale = self.locale.currentData()
        s.reminders_enabled = self.reminders.isChecked()
        s.reminder_lead_minutes = self.lead.value()
        s.pop_endpoint_enabled = self.endpoint.isChecked()
        s.pop_endpoint_port = self.port.value()
        s.idle_lock_minutes = self.idle_lock.value()
        s.backup_keep = self.backup_keep.value()
        region, currency = self.region.currentData(), self.currency.currentText()
        s.region, s.currency = region, currency
        crm = self._crm

        def work() -> None:
            save_settings(s)
            crm.change_defaults(region=region, currency=currency)

        if not self.begin_save():
            return
        self._ops.write(work, ChangeSet(everything=True), lambda _r: self._saved(), self._failed)

    def _saved(self) -> None:
        self.end_save()
        self.applied.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
