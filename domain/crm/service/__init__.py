"""CRM services: take the session and the acting subject first; never commit.

`actor=None` is a platform operation (demo seed, Celery tasks) and skips permission checks;
row-level security still scopes every query to the session's tenant.
"""

from domain.crm.service.campaigns import (
    cancel_campaign,
    create_campaign,
    delete_campaign,
    finish_campaign,
    get_campaign,
    launch_campaign,
    list_campaigns,
    match_campaign_leads,
    render_template,
    target_query,
    update_campaign,
)
from domain.crm.service.conversations import (
    add_message,
    delete_message,
    get_message,
    list_messages,
    update_message,
)
from domain.crm.service.leads import (
    check_transition,
    contact_key,
    create_lead,
    delete_lead,
    get_lead,
    leads_query,
    list_leads,
    mark_contacted,
    reopen_lead,
    update_lead,
)
from domain.crm.service.tasks import create_task, delete_task, get_task, list_tasks, update_task

__all__ = [
    "add_message", "cancel_campaign", "check_transition", "contact_key", "create_campaign",
    "create_lead", "create_task", "delete_campaign", "delete_lead", "delete_message", "delete_task",
    "finish_campaign", "get_campaign", "get_lead", "get_message", "get_task", "launch_campaign",
    "leads_query", "list_campaigns", "list_leads", "list_messages", "list_tasks",
    "mark_contacted", "match_campaign_leads", "render_template", "reopen_lead", "target_query",
    "update_campaign", "update_lead", "update_message", "update_task",
]
