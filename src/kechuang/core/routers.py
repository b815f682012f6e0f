"""Send reads to the replica only inside `replica_reads()` blocks (dashboards, reports), never for a request
that has just written: replication lag must not make a user's own change look lost."""
import contextlib
import threading

_state = threading.local()


@contextlib.contextmanager
def replica_reads():
    _state.on = True
    try:
        yield
    finally:
        _state.on = False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "replica" if getattr(_state, "on", False) else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
