"""The audit trail for the security auditor (core.roles): the change log of every audited table, the
personal-information access log and the security events, with filters and an xlsx export. Read-only; personal
information in changed values is masked; every export is itself recorded."""
from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .api import xlsx_response
from .audit_guard import RETENTION_DAYS_MIN, history_models
from .crypto import mask
from .models import PIIAccess, SecurityEvent, SecurityEventKind
from .pii import EncryptedCharField
from .roles import audit_required
from .security_log import security_event

PAGE = 100
EXPORT_MAX = 5000
DIFF_ROWS = 200  # changed-field details are computed for at most this many rows (one query each)
LOGS = ("changes", "access", "security")
TYPES = {"+": gettext_lazy("新增"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}


def _filters(g) -> dict:
    start, end = parse_date(g.get("from") or ""), parse_date(g.get("to") or "")
    before = parse_datetime(g.get("before") or "")
    return {"from": start, "to": end, "user": (g.get("user") or "").strip()[:150], "table": g.get("table") or "",
            "kind": g.get("kind") or "", "before": before}


def _window(qs, field: str, f: dict):
    tz = timezone.get_current_timezone()
    if f["from"]:
        qs = qs.filter(**{f"{field}__gte": dt.datetime.combine(f["from"], dt.time.min, tz)})
    if f["to"]:
        qs = qs.filter(**{f"{field}__lt": dt.datetime.combine(f["to"] + dt.timedelta(days=1), dt.time.min, tz)})
    if f["before"]:
        qs = qs.filter(**{f"{field}__lt": f["before"]})
    return qs


def _tables() -> list[tuple[str, str]]:
    return sorted(((m._meta.label, str(m.instance_type._meta.verbose_name)) for m in history_models()),
                  key=lambda t: t[1])


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(field, EncryptedCharField):
        return mask(str(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _changes(h) -> str:
    if h.history_type != "~":
        return ""
    prev = h.prev_record
    if prev is None:
        return ""
    parts = []
    model = h.instance_type
    for c in h.diff_against(prev).changes:
        try:
            field = model._meta.get_field(c.field)
        except Exception:
            field = None
        label = str(field.verbose_name) if field is not None else c.field
        parts.append(f"{label}: {_shown(field, c.old)} → {_shown(field, c.new)}")
    return "; ".join(parts)


def change_rows(f: dict, limit: int) -> list[dict]:
    """The newest `limit` change-log rows over every audited table (or one), newest first."""
    models = [m for m in history_models() if not f["table"] or m._meta.label == f["table"]]
    picked = []
    for m in models:
        qs = _window(m.objects.all(), "history_date", f)
        if f["user"]:
            qs = qs.filter(history_user__username__icontains=f["user"])
        for h in qs.select_related("history_user").order_by("-history_date")[:limit]:
            picked.append(h)
    picked.sort(key=lambda h: h.history_date, reverse=True)
    rows = []
    for i, h in enumerate(picked[:limit]):
        rows.append({"at": h.history_date, "table": str(h.instance_type._meta.verbose_name),
                     "object": f"{h.instance_type._meta.label}:{getattr(h, h.instance_type._meta.pk.attname)}",
                     "type": str(TYPES.get(h.history_type, "")),
                     "user": h.history_user.username if h.history_user_id else "—",
                     "reason": h.history_change_reason or "", "changes": _changes(h) if i < DIFF_ROWS else ""})
    return rows


def access_rows(f: dict, limit: int) -> list[dict]:
    qs = _window(PIIAccess.objects.select_related("user"), "at", f)
    if f["user"]:
        qs = qs.filter(user__username__icontains=f["user"])
    return [{"at": a.at, "user": a.user.username if a.user_id else "—", "object": a.object_label, "field": a.field}
            for a in qs.order_by("-at")[:limit]]


def security_rows(f: dict, limit: int) -> list[dict]:
    qs = _window(SecurityEvent.objects.all(), "at", f)
    if f["user"]:
        qs = qs.filter(username__icontains=f["user"])
    if f["kind"] in SecurityEventKind.values:
        qs = qs.filter(kind=f["kind"])
    return [{"at": e.at, "kind": e.get_kind_display(), "user": e.username or "—", "target": e.target,
             "detail": e.detail, "ip": e.ip} for e in qs.order_by("-at", "-id")[:limit]]


COLUMNS = {
    "changes": [("at", gettext_lazy("时间")), ("table", gettext_lazy("数据表")), ("object", gettext_lazy("对象")), ("type", gettext_lazy("类型")),
                ("user", gettext_lazy("操作人")), ("reason", gettext_lazy("原因")), ("changes", gettext_lazy("变更内容"))],
    "access": [("at", gettext_lazy("时间")), ("user", gettext_lazy("查看人")), ("object", gettext_lazy("对象")), ("field", gettext_lazy("字段"))],
    "security": [("at", gettext_lazy("时间")), ("kind", gettext_lazy("事件")), ("user", gettext_lazy("用户名")), ("target", gettext_lazy("对象")),
                 ("detail", gettext_lazy("详情")), ("ip", gettext_lazy("来源地址"))],
}
ROWS = {"changes": change_rows, "access": access_rows, "security": security_rows}


@audit_required
def audit_log(request):
    g = request.GET
    log = g.get("log") if g.get("log") in LOGS else "changes"
    f = _filters(g)
    columns = [(key, str(label)) for key, label in COLUMNS[log]]
    if g.get("format") == "xlsx":
        from .exporting import write_xlsx

        rows = ROWS[log](f, EXPORT_MAX)
        local = timezone.get_current_timezone()
        data = [[(r[k].astimezone(local).strftime("%Y-%m-%d %H:%M:%S") if k == "at" else r[k])
                 for k, _label in columns] for r in rows]
        security_event("audit_export", request=request, target=f"audit:{log}",
                       detail=f"{len(rows)} rows; " + "&".join(f"{k}={v}" for k, v in g.items() if k != "format"))
        return xlsx_response(write_xlsx([(log, [label for _k, label in columns], data)]), f"audit-{log}.xlsx")
    rows = ROWS[log](f, PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    query = g.copy()
    for key in ("before", "format"):
        query.pop(key, None)
    return render(request, "core/audit.html", {
        "log": log, "logs": [("changes", _("数据变更")), ("access", _("个人信息访问")), ("security", _("安全事件"))],
        "columns": columns, "rows": [[r[k] for k, _label in columns] for r in rows], "filters": g,
        "tables": _tables(), "kinds": SecurityEventKind.choices, "query": query.urlencode(),
        "older": rows[-1]["at"].isoformat() if more and rows else None, "retention_days": RETENTION_DAYS_MIN,
    })
