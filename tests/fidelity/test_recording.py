"""The committed recording is still workerd's answer to the committed bundle.

Where node is present (the pinned wrangler is installed on first use, see
``tests/node_tools.py``), each app's committed ``dist`` bundle is served by
``wrangler dev`` (``no_bundle``: exactly the bytes the suite deploys, with the app's
``[vars]`` and ``.dev.vars``) and every request is replayed once through ``record.py``'s
own client; each answer must equal ``expected.json``. So a hand-edited recording, a bundle
that drifted from its recording, or a recorder change that alters answers fails here, not
silently in the comparison with dispatch_emu. Skipped only without node.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from corpus import apps, differences
from record import record_run

from tests.node_tools import wrangler_bin


def bundle_folder(app_dir: Path, upload: dict, into: Path) -> Path:
    """A wrangler project serving the committed bundle as is: the app's wrangler.toml, main → dist."""
    for module in upload["modules"]:
        shutil.copy(app_dir / "dist" / module["file"], into / module["file"])
    main = upload["metadata"].get("main_module") or upload["metadata"]["body_part"]
    toml = (app_dir / "wrangler.toml").read_text()
    toml, replaced = re.subn(
        r'^main = ".*"$', f'main = "{main}"\nno_bundle = true', toml, count=1, flags=re.M
    )
    assert replaced == 1, f"{app_dir}/wrangler.toml has no main"
    (into / "wrangler.toml").write_text(toml)
    if (app_dir / ".dev.vars").is_file():
        shutil.copy(app_dir / ".dev.vars", into / ".dev.vars")
    return into


@pytest.mark.parametrize("app", apps(), ids=lambda a: a.name)
def test_committed_bundle_still_answers_as_recorded(app, tmp_path: Path) -> None:
    wrangler = wrangler_bin()
    upload = json.loads((app.bundle_dir / "upload.json").read_text())
    answers = record_run(app, wrangler, 0, folder=bundle_folder(app.path, upload, tmp_path))
    expected = app.expected()["answers"]
    drifted = {
        request_id: diffs
        for request_id, answer in answers.items()
        if (diffs := differences(answer, expected[request_id]))
    }
    assert not drifted, f"workerd no longer answers {app.name} as recorded (re-run record.py): {drifted}"
