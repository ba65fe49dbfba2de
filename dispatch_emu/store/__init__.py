"""The in-memory namespace store: pure data, no HTTP, no WebAssembly.

>>> from dispatch_emu.store import NamespaceStore, ScriptUpload, ModuleSource
>>> store = NamespaceStore()
>>> ns = store.create_namespace("acc", "customers")
>>> upload = ScriptUpload([ModuleSource("index.js", "application/javascript+module", b"...")],
...                       {"main_module": "index.js", "tags": ["free"]})
>>> store.put_script("acc", "customers", "shop", upload).tags
('free',)
>>> [s.name for s in store.list_scripts("acc", "customers", tags="free:yes").scripts]
['shop']
"""

from __future__ import annotations

from dispatch_emu.store._blobs import BlobStore, ModuleRef, sha256_hex
from dispatch_emu.store._models import (
    ACCOUNT_WORKERS,
    ModuleSource,
    Namespace,
    Page,
    Script,
    ScriptUpload,
    is_account_workers,
)
from dispatch_emu.store._names import check_script_name
from dispatch_emu.store._namespaces import NamespaceStore, UploadValidator
from dispatch_emu.store._paging import DEFAULT_LIMIT, MAX_LIMIT, TagFilter
from dispatch_emu.store._state import thaw
from dispatch_emu.store._uploads import MODULE_CONTENT_TYPES

__all__ = [
    "ACCOUNT_WORKERS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MODULE_CONTENT_TYPES",
    "BlobStore",
    "ModuleRef",
    "ModuleSource",
    "Namespace",
    "NamespaceStore",
    "Page",
    "Script",
    "ScriptUpload",
    "TagFilter",
    "UploadValidator",
    "check_script_name",
    "is_account_workers",
    "sha256_hex",
    "thaw",
]
