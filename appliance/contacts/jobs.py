"""Imports run in a background thread so the page can be left and come back to.

Contract: :func:`start` returns at once; the thread opens its own database connection, runs the
importer (which records progress and outcome on the batch itself), and removes the uploaded file
whatever happens. Nothing else is shared with the request that started it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from appliance import db
from appliance.auth.service import Actor
from appliance.contacts import identifiers, import_service, uploads
from appliance.contacts.mapping import Mapping
from appliance.contacts.reader import Table
from appliance.keys import Keys

log = logging.getLogger(__name__)


def start(
    data_dir: str | Path,
    keys: Keys,
    actor: Actor,
    import_id: int,
    table: Table,
    mapping: Mapping,
    token: str,
) -> threading.Thread:
    def work() -> None:
        conn = db.connect(db.db_path(data_dir))
        try:
            with table:
                import_service.run_import(conn, keys, actor, import_id, table, mapping)
        except (import_service.Cancelled, identifiers.NotACategory):
            pass  # outcomes staff chose or must fix, recorded on the batch: nothing to log
        except Exception:  # noqa: BLE001 - recorded on the batch by run_import; log no data
            log.warning("import %s ended with an error", import_id, exc_info=False)
        finally:
            conn.close()
            uploads.remove(data_dir, token)

    thread = threading.Thread(target=work, name=f"import-{import_id}", daemon=True)
    thread.start()
    return thread
