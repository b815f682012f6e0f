"""Small template helpers of the marketplace pages."""
from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key] or None (form values and errors by field name)."""
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def event_action(ev):
    """The translated label of a workflow event's action (codes such as 'approve' are never shown)."""
    from django.utils.translation import gettext

    from .. import workflow as wf

    machine = wf.PUBLICATION if ev.workflow.startswith("pub:") else wf.MACHINES.get(ev.workflow)
    for t in (machine.transitions if machine else ()):
        if t.action == ev.action:
            return str(t.label)
    return gettext("数据导入") if ev.action == "import" else ev.action


@register.simple_tag
def event_state(state):
    from .. import workflow as wf

    return "—" if state == wf.NEW else wf._state_label(state)


@register.filter
def event_role(code):
    from django.utils.translation import gettext

    from .. import workflow as wf

    return gettext(wf.ROLE_LABELS[code]) if code in wf.ROLE_LABELS else code
