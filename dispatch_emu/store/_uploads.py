"""What an upload must be before the store takes it: modules, types, the main module.

:func:`check_upload` runs before anything else (and before the upload validators, such
as the runtime's wasm check), so a broken upload is refused with code 10021 and a
sentence naming the problem, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from dispatch_emu._content import MODULE_CONTENT_TYPES, base_type
from dispatch_emu.errors import ValidationError
from dispatch_emu.store import _bindings as binding_rules
from dispatch_emu.store._models import ScriptUpload


def check_upload(upload: ScriptUpload, *, content_only: bool = False) -> dict[str, Any]:
    metadata = upload.metadata
    if not isinstance(metadata, dict):
        raise ValidationError("Upload metadata must be a JSON object.")
    if not upload.modules:
        raise ValidationError("No modules were uploaded: a script needs at least one part.")
    seen: set[str] = set()
    for module in upload.modules:
        if module.name in seen:
            raise ValidationError(f"Module {module.name!r} was uploaded twice.")
        seen.add(module.name)
        if base_type(module.content_type) not in MODULE_CONTENT_TYPES:
            raise ValidationError(
                f"Module {module.name!r} has unsupported content type {module.content_type!r}."
            )
    main = upload.main_module
    if main is None:
        raise ValidationError(
            "No main module: set metadata.main_module (ES modules) or metadata.body_part."
        )
    if upload.module(main) is None:
        names = ", ".join(sorted(seen))
        raise ValidationError(
            f"main_module {main!r} names no uploaded part; the parts are: {names}."
        )
    if not content_only:
        binding_rules.check_settings(metadata)
    return metadata


__all__ = ["MODULE_CONTENT_TYPES", "check_upload"]
