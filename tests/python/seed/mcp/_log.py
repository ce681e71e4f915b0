"""structlog's get_logger() as the seed uses it (event, then key=value pairs),
on the standard library: structlog is no Debian package, and the calls stay
as the seed wrote them. Nothing is printed unless the program sets up logging."""
import logging


class KeyValueLogger:
    def __init__(self, name):
        self._log = logging.getLogger(name)

    def _emit(self, level, event, fields):
        if self._log.isEnabledFor(level):
            pairs = " ".join(f"{k}={v!r}" for k, v in fields.items())
            self._log.log(level, "%s %s", event, pairs)

    def debug(self, event, **fields):
        self._emit(logging.DEBUG, event, fields)

    def info(self, event, **fields):
        self._emit(logging.INFO, event, fields)

    def error(self, event, **fields):
        self._emit(logging.ERROR, event, fields)


def get_logger(name):
    return KeyValueLogger(name)
