"""Settings for `indicators_bench.py --persistent-connections`: the shipped settings, but SQLite connections
kept open between requests (the shipped settings close them, and every new SQLite connection re-parses the whole
schema — about 16 ms per request on this machine). Measurement aid only; not used by the application."""
from kechuang.settings import *  # noqa: F401,F403
from kechuang.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 600
