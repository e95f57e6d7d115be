"""The load client's parts (measure/stream_session.py) against a real `streamlit run` of a tiny app: the BackMsgs it
builds, the widget ids it learns from the server's messages, a press that reruns the page, a value that reaches the
script, a button in a fragment that reruns the fragment only, and a `run_every` fragment that the client's timer
reruns."""

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from measure.stream_session import StreamSession, json_state, trigger, user_key

TINY_APP = """
import streamlit as st

name = st.text_input("Name", key="name")
if st.button("Press", key="press"):
    st.session_state.presses = st.session_state.get("presses", 0) + 1
st.markdown(f"page: presses={st.session_state.get('presses', 0)} name={name}")


@st.fragment
def inner():
    if st.button("Inner", key="inner"):
        st.session_state.inner_presses = st.session_state.get("inner_presses", 0) + 1
    st.markdown(f"inner: {st.session_state.get('inner_presses', 0)}")


@st.fragment(run_every=0.3)
def ticker():
    st.session_state.ticks = st.session_state.get("ticks", 0) + 1
    st.markdown(f"ticks: {st.session_state.ticks}")


inner()
ticker()
"""
START_S = 30


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "app.py").write_text(TINY_APP)
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false"]
    log = open(folder / "streamlit.log", "wb")
    server = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the tiny app did not start: {(folder / 'streamlit.log').read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


class Page:
    """The markdown lines the session has seen, newest last, by their first word ("page:", "inner:", "ticks:")."""

    def __init__(self):
        self.lines = {}
        self.fragments = {}  # first word -> the fragment id of its last delta

    def __call__(self, session, element, key, fragment_id):
        if element.WhichOneof("type") == "markdown":
            word = element.markdown.body.split(" ", 1)[0]
            self.lines[word] = element.markdown.body
            self.fragments[word] = fragment_id


def test_user_key_reads_streamlit_ids():
    assert user_key("$$ID-0a1b2c-start") == "start"
    assert user_key("$$ID-0a1b2c-canvas-3") == "canvas-3"  # a key with dashes keeps them
    assert user_key("$$ID-0a1b2c-None") is None  # a widget without a key
    assert user_key("plain") is None


def test_rerun_message_holds_values_query_and_fragment():
    session = StreamSession("http://127.0.0.1:1", page="draw", query="run=abc&watch=1")
    session.states["$$ID-1-name"] = WidgetState(id="$$ID-1-name", string_value="Ada")
    session.cache["h1"] = None
    sent = session.rerun_message([trigger("$$ID-2-press"), json_state("$$ID-3-c", {"drawing": "x"})], "frag")
    message = BackMsg.FromString(sent.SerializeToString())  # as the server reads it
    state = message.rerun_script
    assert message.WhichOneof("type") == "rerun_script"
    assert (state.query_string, state.page_name, state.fragment_id) == ("run=abc&watch=1", "draw", "frag")
    assert list(state.cached_message_hashes) == ["h1"]
    values = {w.id: w for w in state.widget_states.widgets}
    assert values["$$ID-1-name"].string_value == "Ada"
    assert values["$$ID-2-press"].trigger_value is True
    assert values["$$ID-3-c"].json_value == '{"drawing": "x"}'
    session.page_script_hash = "abc123"  # once the server named the page, the tab asks by its hash
    state = session.rerun_message().rerun_script
    assert (state.page_script_hash, state.page_name) == ("abc123", "")


def _wait_for(condition, timeout):
    async def waiting():
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError
            await asyncio.sleep(0.05)

    return waiting()


def test_a_session_against_a_real_server(tiny_server):
    async def scenario():
        page = Page()
        session = StreamSession(tiny_server, on_element=page)
        await session.open()
        try:
            await session.wait_finished(0, timeout=20)
            assert {key: w.kind for key, w in session.widgets.items() if key in ("name", "press", "inner")} == {
                "name": "text_input",
                "press": "button",
                "inner": "button",
            }
            assert session.widgets["press"].fragment_id == ""
            assert session.widgets["inner"].fragment_id != ""  # drawn inside a fragment: its id came with it
            assert page.lines["page:"] == "page: presses=0 name="

            whole = session.whole_runs
            await session.press("press")
            await _wait_for(lambda: page.lines["page:"] == "page: presses=1 name=", 10)
            assert session.whole_runs == whole + 1  # a button outside fragments reruns the page

            await session.rerun([WidgetState(id=session.widgets["name"].id, string_value="Ada")])
            await _wait_for(lambda: page.lines["page:"] == "page: presses=1 name=Ada", 10)
            await session.press("press")  # the text is held and sent again with the next press
            await _wait_for(lambda: page.lines["page:"] == "page: presses=2 name=Ada", 10)

            whole = session.whole_runs
            await session.press("inner")
            await _wait_for(lambda: page.lines.get("inner:") == "inner: 1", 10)
            assert session.whole_runs == whole  # only the fragment ran
            assert page.fragments["inner:"] == session.widgets["inner"].fragment_id

            await _wait_for(lambda: len(session.timers) == 1, 10)  # the ticker's timer, and only it
            ticks = int(page.lines["ticks:"].split()[1])
            whole, sent = session.whole_runs, session.sent
            await _wait_for(lambda: int(page.lines["ticks:"].split()[1]) >= ticks + 3, 10)
            assert session.sent >= sent + 3  # the client's own timer asked for each
            assert session.whole_runs == whole and page.fragments["ticks:"] != ""
            assert session.errors == []
        finally:
            await session.close()

    asyncio.run(scenario())
