"""Structured logs: one JSON object per line (production), easy to ship to any log store."""
import json
import logging


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname, "logger": record.name,
               "msg": record.getMessage()}
        for key in ("status_code", "request", "job_id", "user"):
            if hasattr(record, key):
                out[key] = str(getattr(record, key))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)
