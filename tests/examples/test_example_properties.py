"""A property: whatever a customer's worker does, the dispatcher answers as the seed says."""

from hypothesis import given, settings

from dispatch_emu import strategies as des
from dispatch_emu.testing import ACCOUNT_ID


@settings(max_examples=30)
@given(program=des.worker_programs(), request=des.requests(), name=des.script_names())
def test_dispatcher_passes_answers_through_and_reports_failures(dispatch_emu_session, program, request, name):
    from werkzeug.test import Client

    emu = dispatch_emu_session
    emu.reset()
    emu.namespace("customers").put_script(name, wasm=program.wasm, **program.put_options)
    dispatcher = emu.dispatcher("customers", account_id=ACCOUNT_ID, routing="header:X-Worker")
    client = Client(emu.app(dispatcher))

    response = client.open(request.path, method=request.method, data=request.body,
                           headers=[*request.headers, ("X-Worker", name)])

    if program.fails:  # trap, non-zero exit, runaway loop: 500 with the error message
        assert response.status_code == 500
        assert program.message in response.get_data(as_text=True)
    else:  # the worker's own answer passes through unchanged
        assert response.status_code == program.status
        assert response.get_data() == program.expected_body(request.body)
