"""One person's Streamlit session, spoken at the wire: what a browser tab sends and reads on `/_stcore/stream`.

A browser opens the websocket, asks for a run of the page in its address (a `rerun_script` BackMsg naming the page
and the query), and from then on sends one more `rerun_script` for every widget it changes, with every widget's
value and, for a widget inside a fragment, that fragment's id (only the fragment runs). The server answers with
ForwardMsgs: `new_session` when a run begins (its metadata names the fragments it runs, none for the whole page),
`delta`s carrying the page's elements (each widget's element has its id: `$$ID-<hash>-<key>` for a widget with a
key), `auto_rerun` for each `st.fragment(run_every=...)` (the *browser* runs those: it sends a rerun with the
fragment's id and `is_auto_rerun` every `interval` seconds until the next whole-page run), `page_info_changed` when
the script changes the query, `script_finished` at the end. A large element the client already holds comes back as
a `ref_hash` naming it (the client lists those it holds in `cached_message_hashes`).

`StreamSession` does exactly that with the protobuf classes the installed `streamlit` ships and `websockets`: a
load client plays one person with one (measure/load_client.py). It keeps no page tree, only what a person acts on
or looks at: the widgets by key, the fragments' timers, the query, the errors shown, and a hook (`on_element`)
that sees every element as it arrives.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ID_PREFIX = "$$ID-"  # Streamlit's generated element ids: `$$ID-<hash>-<user key, or None>`
FINISHED = ForwardMsg.ScriptFinishedStatus
CACHE_MOST = 500  # large elements kept for `ref_hash` answers (the browser keeps those of recent runs)
STREAM_PATH = "/_stcore/stream"


@dataclass
class Widget:
    """A widget the server drew: its element id, its element kind ("button", "bidi_component", ...) and the
    fragment it is in ("" for none)."""

    id: str
    kind: str
    fragment_id: str


def user_key(element_id):
    """The key a script gave the widget with element id `element_id`, or None (no key, or not a generated id)."""
    if not element_id.startswith(ID_PREFIX):
        return None
    key = element_id[len(ID_PREFIX) :].split("-", 1)[1] if "-" in element_id[len(ID_PREFIX) :] else None
    return None if key in (None, "None") else key


def element_id(element):
    """The id of an element proto's content (a widget's, a chart's), or "" for one without."""
    kind = element.WhichOneof("type")
    content = getattr(element, kind) if kind else None
    return getattr(content, "id", "") if content is not None and "id" in content.DESCRIPTOR.fields_by_name else ""


def trigger(widget_id):
    """A button press: the widget state that a click sends (a trigger: true for one run only)."""
    return WidgetState(id=widget_id, trigger_value=True)


def json_state(widget_id, value):
    """A component's state value (`setStateValue` in the browser): `value` as JSON."""
    return WidgetState(id=widget_id, json_value=json.dumps(value))


def error_text(element):
    """The text of an error the page shows (an exception, an `st.error`), or None for any other element."""
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"exception: {element.exception.type}: {element.exception.message}"[:300]
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"st.error: {element.alert.body}"[:300]
    return None


class StreamSession:
    """One browser tab on `url` (`http://host:port`), on the page `page` ("" for the first page, "draw", ...) with
    the query `query` (`run=abc&watch=1`, no "?").

    `open()` connects and asks for the page's first run, as a page load does; `press(key)`, `set_state(key, value)`
    and `rerun()` send what a click, a component's value and a reload send; `wait_finished()` waits for the end of
    the run asked for. The fragments with `run_every` are rerun on their timers while the session is open, as a
    browser does. `on_element(session, element, key, fragment_id)`, if given, sees every element that arrives.
    """

    def __init__(self, url, page="", query="", on_element=None):
        parts = urlsplit(url)
        self.url, self.host = url.rstrip("/"), parts.netloc
        self.page, self.query = page, query
        self.on_element = on_element
        self.page_script_hash = ""  # the server names the page in `new_session`; "" asks by `page` (its URL path)
        self.widgets = {}  # key -> Widget, as last drawn
        self.states = {}  # widget id -> WidgetState: the values this tab holds and sends with every rerun
        self.cache = {}  # hash -> ForwardMsg, large elements kept for `ref_hash`
        self.errors = []  # what went wrong, in one line each: errors shown, a closed socket
        self.timers = {}  # fragment id -> its auto-rerun task
        self.runs_finished = 0  # script runs (whole page or fragment) the server said finished
        self.whole_runs = 0  # whole-page runs begun (`new_session`)
        self.running = False
        self.finished_at = None  # time.perf_counter() when the last run finished
        self.sent = 0  # BackMsgs sent
        self._finished = asyncio.Condition()
        self._socket = None
        self._reader = None

    async def open(self, timeout=60):
        """Connect and ask for the page's first run (not waiting for it)."""
        scheme = "wss" if self.url.startswith("https") else "ws"
        self._socket = await websockets.connect(
            f"{scheme}://{self.host}{STREAM_PATH}",
            subprotocols=["streamlit"],
            origin=self.url,
            max_size=None,
            open_timeout=timeout,
            ping_interval=None,  # the browser sends no pings either; the server pings it
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self.rerun()

    async def close(self):
        """Close the tab: its timers stop and the socket closes, as when a browser tab is closed."""
        for task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    def rerun_message(self, changed=(), fragment_id="", auto=False):
        """The BackMsg that asks for a run: every value this tab holds plus the `changed` WidgetStates (a trigger
        counts for this run only), for the fragment `fragment_id` ("" for the whole page); `auto` for a fragment's
        timer."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.page_name = "" if self.page_script_hash else self.page
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.cached_message_hashes.extend(self.cache)
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else "")
        held = dict(self.states)
        held.update((widget.id, widget) for widget in changed)
        state.widget_states.widgets.extend(held.values())
        return message

    async def rerun(self, changed=(), fragment_id="", auto=False):
        """Send a rerun (see `rerun_message`); the values in `changed` that are not triggers are kept."""
        for widget in changed:
            if widget.WhichOneof("value") != "trigger_value":
                self.states[widget.id] = widget
        await self._send(self.rerun_message(changed, fragment_id, auto))

    async def press(self, key):
        """Click the button with key `key` (KeyError if the page has not drawn it)."""
        widget = self.widgets[key]
        await self.rerun([trigger(widget.id)], widget.fragment_id)

    async def set_state(self, key, value):
        """Give the component with key `key` the state `value` (a dict, as its `setStateValue` calls make it)."""
        widget = self.widgets[key]
        await self.rerun([json_state(widget.id, value)], widget.fragment_id)

    def forget(self, key):
        """Drop the value held for widget `key` (its element is gone, as a browser drops an unmounted widget's)."""
        widget = self.widgets.pop(key, None)
        if widget is not None:
            self.states.pop(widget.id, None)

    async def wait_finished(self, after, timeout):
        """Wait until more than `after` runs have finished (`runs_finished`); returns the time it happened
        (`time.perf_counter()`) or raises TimeoutError."""
        async with self._finished:
            await asyncio.wait_for(self._finished.wait_for(lambda: self.runs_finished > after), timeout)
        return self.finished_at

    async def _send(self, message):
        self.sent += 1
        await self._socket.send(message.SerializeToString())

    async def _auto_rerun(self, fragment_id, interval):
        while True:  # as the browser's setInterval: every `interval`, busy or not
            await asyncio.sleep(interval)
            await self.rerun(fragment_id=fragment_id, auto=True)

    async def _read(self):
        try:
            async for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                await self._handle(message)
        except websockets.ConnectionClosed as exc:
            if exc.rcvd is None or exc.rcvd.code not in (1000, 1001):
                self.errors.append(f"socket closed: {exc}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must not pass for a quiet session
            self.errors.append(f"reading: {type(exc).__name__}: {exc}")

    async def _handle(self, message):
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(message.ref_hash)
            if cached is None:
                self.errors.append(f"the server referred to an element this tab never got ({message.ref_hash})")
                return
            message, kind = cached, cached.WhichOneof("type")
        elif message.metadata.cacheable:
            self.cache[message.hash] = message
            if len(self.cache) > CACHE_MOST:
                self.cache.pop(next(iter(self.cache)))
        if kind == "new_session":
            self.page_script_hash = message.new_session.page_script_hash
            if not message.metadata.run.fragment_ids:  # a whole-page run (a fragment's run names its fragments)
                self.whole_runs += 1
                for task in self.timers.values():  # the fragments it draws ask for their timers again
                    task.cancel()
                self.timers.clear()
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._element(message.delta.new_element, message.delta.fragment_id)
        elif kind == "auto_rerun":
            fragment_id, interval = message.auto_rerun.fragment_id, message.auto_rerun.interval
            if fragment_id not in self.timers and interval > 0:
                self.timers[fragment_id] = asyncio.get_running_loop().create_task(
                    self._auto_rerun(fragment_id, interval)
                )
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "session_status_changed":
            self.running = message.session_status_changed.script_is_running
        elif kind == "script_finished":
            if message.script_finished == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                self.errors.append("the script did not compile")
            if message.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                async with self._finished:
                    self.runs_finished += 1
                    self.finished_at = time.perf_counter()
                    self._finished.notify_all()

    def _element(self, element, fragment_id):
        problem = error_text(element)
        if problem is not None:
            self.errors.append(problem)
        found = element_id(element)
        key = user_key(found) if found else None
        if key is not None:
            self.widgets[key] = Widget(found, element.WhichOneof("type"), fragment_id)
        if self.on_element is not None:
            self.on_element(self, element, key, fragment_id)
