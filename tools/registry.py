"""Every declared tool, and the ones an actor may use."""

from cognify.security import Actor
from tools import analytics, crm, lms, sis, tutor
from tools.spec import ToolSpec

STAFF_TOOLS: tuple[ToolSpec, ...] = (
    crm.search_leads,
    crm.get_lead,
    crm.create_lead,
    crm.update_lead_status,
    crm.assign_lead,
    crm.create_task,
    crm.list_tasks,
    crm.log_conversation,
    lms.search_courses,
    lms.get_course,
    lms.enroll_student,
    lms.get_student_progress,
    sis.list_invoices,
    sis.create_invoice,
    sis.send_payment_reminder,
    crm.launch_campaign,
    analytics.funnel_report,
    analytics.engagement_report,
)
TUTOR_TOOLS: tuple[ToolSpec, ...] = (tutor.search_course_content,)
ALL_TOOLS = {spec.name: spec for spec in STAFF_TOOLS + TUTOR_TOOLS}


def tools_for(actor: Actor, specs: tuple[ToolSpec, ...]) -> list[ToolSpec]:
    """The tools among `specs` whose permission the actor holds."""
    return [spec for spec in specs if spec.allowed(actor)]
