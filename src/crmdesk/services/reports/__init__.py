"""Reports over the whole database: trends, the customer journey, risks.

Each report lives in its own module with a ``SPEC``; :data:`SPECS` lists them
in the order the GUI and ``crmdesk report --help`` show them.
"""

from __future__ import annotations

from crmdesk.services.reports import activity, complaints, deals, journey, risk, sales
from crmdesk.services.reports.base import ReportSpec

SPECS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (sales.SPEC, journey.SPEC, activity.SPEC, deals.SPEC, risk.SPEC, complaints.SPEC)
}
