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
