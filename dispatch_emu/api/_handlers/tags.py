"""Script tags: ``.../scripts/{name}/tags[/{tag}]``.

``GET`` answers the tag list; ``PUT /tags`` with a JSON array replaces all tags and
answers the new list; ``PUT /tags/{tag}`` adds one and ``DELETE /tags/{tag}`` removes
one (removing an absent tag is not an error), both answering ``null``. At most 8 tags
per script; no ``,`` or ``&`` in a tag.
"""

from __future__ import annotations

from dispatch_emu.api._calls import ApiCall, json_kind
from dispatch_emu.errors import ValidationError


def list_tags(call: ApiCall) -> list[str]:
    return list(call.store.get_script(call.account, call.arg("namespace"), call.arg("script")).tags)


def put_tags(call: ApiCall) -> list[str]:
    tags = call.json()
    if not isinstance(tags, list):
        raise ValidationError(f"The body must be a JSON array of tags; got {json_kind(tags)}.")
    script = call.store.set_tags(call.account, call.arg("namespace"), call.arg("script"), tags)
    return list(script.tags)


def put_tag(call: ApiCall) -> None:
    call.store.add_tag(call.account, call.arg("namespace"), call.arg("script"), call.arg("tag"))
    return None


def delete_tag(call: ApiCall) -> None:
    call.store.remove_tag(call.account, call.arg("namespace"), call.arg("script"), call.arg("tag"))
    return None


__all__ = ["delete_tag", "list_tags", "put_tag", "put_tags"]
