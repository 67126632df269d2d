"""Every key lands, in the order it was typed: the app's one mechanism for keys sent in a burst.

A gestionnaire types at full speed, and ``tmux send-keys`` or an SSH connection delivers a whole
burst in one read. Textual dispatches each key at once: a key forwarded to a field is handled
when that field gets to it, while the next key may already run a binding of the app (Ctrl+U
clearing a field *after* the digits typed behind it), or reach a dialog before it has mounted
and focused its field (lost). :class:`KeyOrder` makes the app dispatch keys one at a time:

- a key forwarded to a widget is followed up the DOM (a callback posted behind it in each queue
  from the widget to the app, twice: the key's way, then what it posted on the way, such as an
  Input's Submitted), and again while a widget of the screen still has messages waiting (a
  drop-down's choice goes from its list to the Select, whose Changed goes to the form, which
  shows the fields of that choice), and until the layout is done if one is pending (Tab goes
  by the fields' positions); only then is the next key dispatched;
- after a screen is pushed, popped or switched, keys wait until the new screen has mounted,
  focused its field and refreshed;
- a screen, dialog or widget that is not ready yet holds the keys: while one of its workers
  named in ``KEYS_WAIT_FOR`` runs (:class:`WaitsForWorkers`: the list it shows being read, a
  write the next key depends on, a report or a dialog the worker ends with), or from
  :meth:`KeyOrder.hold` to :meth:`KeyOrder.release`.

Keys that wait are replayed in order. No hold lasts more than :data:`HOLD_TIMEOUT` seconds, so a
mistake never leaves the keyboard dead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.app import App

HOLD_TIMEOUT = 5.0  # seconds: the longest any hold keeps the keys
KEY_TIMEOUT = 2.0  # seconds: the longest one key is followed before the next goes anyway
WALKS = 2  # the key's own way up the DOM, then the messages it posted on the way
MAX_WALKS = 12  # more while messages it caused still wait in a widget of the screen


class KeyOrder:
    """The waiting keys and what holds them, for one app."""

    def __init__(self, app: App[object], dispatch: Callable[[events.Key], Awaitable[None]]):
        self._app = app
        self._dispatch = dispatch  # the app's own handling of one key (bindings, forwarding)
        self._waiting: deque[events.Key] = deque()
        self._holds: set[object] = set()
        self._in_flight: events.Key | None = None
        self._replaying = False
        self._owed: events.Key | None = None  # the last key given back, while it waits
        self._overtaken: events.Key | None = None  # the key on its way as they were given back

    @property
    def key_time(self) -> float | None:
        """When the key being handled now was typed (its event's ``time``), if one is."""
        return self._in_flight.time if self._in_flight is not None else None

    @property
    def busy(self) -> bool:
        """Whether a key that arrives now must wait."""
        return bool(self._holds or self._in_flight or self._waiting or self._replaying)

    async def key(self, event: events.Key) -> None:
        """A key from the terminal: dispatched now, or queued behind what waits; Échap while a
        long job runs stops it at once, ahead of the keys held (they follow once it stopped)
        and whatever has the focus (F4's grid or lot field would take it for themselves)."""
        if event.key == "escape" and self._cancel_job(event.time):
            return  # ahead of the keys held, and of the focused widget's own Échap
        if self.busy:
            self._waiting.append(event)
            return
        await self._send(event)

    def _cancel_job(self, typed_at: float) -> bool:
        """Échap while keys are held: the screen's long job stops, if it was shown before the
        key was typed (the screen's ``cancel_job``)."""
        cancel = getattr(self._app.screen, "cancel_job", None)
        return bool(cancel(typed_at)) if cancel is not None else False

    async def _send(self, event: events.Key) -> None:
        target = self._app.focused or self._app.screen
        self._in_flight = event
        self._app.set_timer(KEY_TIMEOUT, lambda: self._done(event))
        await self._dispatch(event)
        if event.is_forwarded:  # handed to a widget: follow it until it is handled
            self._walk(event, target, target, MAX_WALKS)
        else:  # a binding handled it: what it asked for (a deferred focus, a field shown)
            # lands before the next key (« s » then « FRE 15 » at once: into the what-if field)
            if not self._app.screen.call_after_refresh(lambda: self._done(event)):
                self._done(event)

    def _walk(
        self, event: events.Key, widget: MessagePump, target: MessagePump, walks: int
    ) -> None:
        """Post a callback behind the key in each queue from ``target`` up to the app: when it
        runs at the top, the key went as far as it goes. A second walk waits for what the
        key posted on its way (an Input's Submitted, handled by the screen)."""

        def reached() -> None:
            parent = widget._parent
            if target.is_attached and target.screen is not self._app.screen:
                self._done(event)  # it opened or closed a screen: that one holds the keys now
            elif parent is not None:
                self._walk(event, parent, target, walks)
            elif walks > 1 and (walks > MAX_WALKS - WALKS + 1 or not self._quiet()):
                self._walk(event, target, target, walks - 1)
            elif self._layout_pending():  # a field shown or hidden: Tab's order needs the
                # layout (focus goes by position), so the next key waits for the refresh
                if not self._app.screen.call_after_refresh(lambda: self._done(event)):
                    self._done(event)
            else:
                self._done(event)

        if not widget.call_later(reached):
            self._done(event)

    def _quiet(self) -> bool:
        """No widget of the screen shown has a message or a callback waiting, nor the app
        (a deferred focus), keys apart (those of the burst not yet taken in)."""
        app, screen = self._app, self._app.screen
        waiting = getattr(app._message_queue, "_queue", ())  # asyncio.Queue's deque
        if app._next_callbacks or any(not isinstance(m, events.Key) for m in waiting):
            return False
        return all(
            not node.message_queue_size and not node._next_callbacks
            for node in (screen, *screen.walk_children())
        )

    def _layout_pending(self) -> bool:
        screen = self._app.screen
        return screen._layout_required or any(
            node._layout_required for node in screen.walk_children()
        )

    def _done(self, event: events.Key) -> None:
        if self._in_flight is event:
            self._in_flight = None
            self._replay_soon()

    def hold(self, owner: object | None = None, timeout: float = HOLD_TIMEOUT) -> object:
        """Keep the keys typed from now on until :meth:`release` (or ``timeout``); the token."""
        token = owner if owner is not None else object()
        self._holds.add(token)
        self._app.set_timer(timeout, lambda: self.release(token))
        return token

    def release(self, token: object) -> None:
        if token in self._holds:
            self._holds.discard(token)
            self._replay_soon()

    def give_back(self, keys: list[events.Key]) -> None:
        """Keys a widget kept for itself (a grade grid while its slip is read) and does not
        take after all: they go first, before the keys typed after them."""
        self._waiting.extendleft(reversed(keys))
        if keys:
            self._owed, self._overtaken = keys[-1], self._in_flight
        self._replay_soon()

    def behind_given_back(self, event: events.Key) -> bool:
        """Whether ``event`` was on its way to a widget as that widget gave back keys typed
        before it: if so it goes again, right behind them (the widget must drop it)."""
        owed, overtaken = self._owed, self._overtaken
        if event is not overtaken or owed is None or owed not in self._waiting:
            return False
        self._owed = self._overtaken = None
        self._waiting.insert(self._waiting.index(owed) + 1, events.Key(event.key, event.character))
        return True

    def hold_until_ready(self) -> None:
        """Keep the keys until the screen now active has mounted, focused and refreshed."""
        token = self.hold()
        screen = self._app.screen

        def ready() -> None:  # behind the focus the screen asked for (Widget.focus is deferred)
            self._app.call_later(self.release, token)

        if not screen.call_after_refresh(ready):
            self.release(token)

    def _replay_soon(self) -> None:
        if self._waiting and not self._holds and not self._in_flight and not self._replaying:
            self._replaying = True
            self._app.call_later(self._replay)

    async def _replay(self) -> None:
        self._replaying = False
        if self._waiting and not self._holds and not self._in_flight:
            await self._send(self._waiting.popleft())


_ENDED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class WaitsForWorkers:
    """For a screen, a dialog or a widget (before its Textual class in the bases): the keys
    typed while one of its workers of :attr:`KEYS_WAIT_FOR` runs wait, then go on in order."""

    KEYS_WAIT_FOR: ClassVar[frozenset[str]] = frozenset()
    """Groups of this node's workers that the keys wait for: while one runs (reading what the
    node shows, or writing what the next key depends on, or ending in a dialog or a report),
    the keys typed meanwhile are held, then replayed in order."""

    def run_worker(self, *args: Any, **kwargs: Any) -> Worker[Any]:
        worker: Worker[Any] = super().run_worker(*args, **kwargs)  # type: ignore[misc]
        order = _order(self)
        if worker.group in self.KEYS_WAIT_FOR and order is not None:
            self._key_holds[worker] = order.hold()
            # the task's end, however it ends: an exclusive worker replaced before its task ran
            # is cancelled without any StateChanged (its state stays RUNNING)
            task = getattr(worker, "_task", None)
            if task is not None:
                task.add_done_callback(lambda _task: self._release_after(worker))
        return worker

    def _release_after(self, worker: Worker[Any]) -> None:
        """Release once the node has handled what the worker posted to it (its results)."""
        if not self.call_later(self._worker_ended, worker):  # type: ignore[attr-defined]
            self._worker_ended(worker)

    def _worker_ended(self, worker: Worker[Any]) -> None:
        token = self._key_holds.pop(worker, None)
        order = _order(self)
        if token is not None and order is not None:
            order.release(token)

    @property
    def _key_holds(self) -> dict[Worker[Any], object]:
        holds = self.__dict__.get("_baktui_key_holds")
        if holds is None:
            holds = self.__dict__["_baktui_key_holds"] = {}
        return holds

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state in _ENDED:
            self._worker_ended(event.worker)

    def on_unmount(self) -> None:
        order = _order(self)
        if order is not None:
            for token in (self, *self._key_holds.values()):
                order.release(token)
        self._key_holds.clear()


def _order(node: object) -> KeyOrder | None:
    try:
        return getattr(node.app, "key_order", None)  # type: ignore[attr-defined]
    except Exception:  # no app (not mounted)
        return None
