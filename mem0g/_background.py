"""Background work with per-key order: ``add(..., wait=False)`` and summary refreshes.

Jobs submitted under one key (a user id) run one after another, in submission order; jobs of
different keys run in parallel up to ``concurrency``. Every job gets a handle that reports its
state and its result or error: a failure is kept on the handle (and in :meth:`failures`), logged,
and never dropped. A failed job does not stop the next jobs of its key: each add is one
transaction, so an add that failed wrote nothing, and later adds are applied as if it had not
been made (retry it with the same message ids to fill the gap).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, TypeVar

from mem0g._time import utcnow
from mem0g.models import TaskState, TaskStatus

__all__ = ["AsyncBackgroundQueue", "AsyncTaskHandle", "BackgroundQueue", "TaskHandle"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Kind = Literal["add", "summary"]
_KEEP_FINISHED = 10_000  # finished handles remembered for status queries


@dataclass
class _Record:
    id: str
    key: str
    kind: Kind
    state: TaskState = "queued"
    error: BaseException | None = None
    submitted_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None

    def status(self) -> TaskStatus:
        error = None if self.error is None else f"{type(self.error).__name__}: {self.error}"
        return TaskStatus(
            id=self.id,
            user_id=self.key,
            kind=self.kind,
            state=self.state,
            error=error,
            submitted_at=self.submitted_at,
            finished_at=self.finished_at,
        )


class TaskHandle(Generic[T]):
    """A background job of a sync :class:`~mem0g.Memory`."""

    def __init__(self, record: _Record) -> None:
        self._record = record
        self._done = threading.Event()
        self._value: T | None = None

    @property
    def id(self) -> str:
        return self._record.id

    @property
    def status(self) -> TaskStatus:
        return self._record.status()

    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> T:
        """Wait for the job; return its result or raise its error (``TimeoutError`` on timeout)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"background job {self.id} still {self._record.state} after {timeout} s")
        if self._record.error is not None:
            raise self._record.error
        return self._value  # type: ignore[return-value]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        if not self._done.wait(timeout):
            raise TimeoutError(f"background job {self.id} still {self._record.state} after {timeout} s")
        return self._record.error


class _Ledger:
    """Records of submitted jobs, for status queries and the list of failures."""

    def __init__(self) -> None:
        self.records: dict[str, _Record] = {}
        self.failed: list[_Record] = []
        self.finished: deque[str] = deque()

    def add(self, key: str, kind: Kind) -> _Record:
        record = _Record(id=uuid.uuid4().hex, key=key, kind=kind)
        self.records[record.id] = record
        return record

    def finish(self, record: _Record, error: BaseException | None) -> None:
        record.finished_at = utcnow()
        record.error = error
        record.state = "failed" if error is not None else "done"
        if error is not None:
            self.failed.append(record)
            log.error("background %s for user %r failed: %s", record.kind, record.key, error)
        self.finished.append(record.id)
        while len(self.finished) > _KEEP_FINISHED:
            old = self.finished.popleft()
            if self.records.get(old) not in self.failed:
                self.records.pop(old, None)


class BackgroundQueue:
    """Thread-based queue for the sync ``Memory``."""

    def __init__(self, *, concurrency: int = 4) -> None:
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mem0g-bg")
        self._cond = threading.Condition()
        self._queues: dict[str, deque[tuple[TaskHandle[object], Callable[[], object]]]] = {}
        self._ledger = _Ledger()
        self._closed = False

    def submit(self, key: str, job: Callable[[], T], *, kind: Kind = "add") -> TaskHandle[T]:
        with self._cond:
            if self._closed:
                raise RuntimeError("this Memory is closed; background work can no longer be submitted")
            handle: TaskHandle[T] = TaskHandle(self._ledger.add(key, kind))
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = deque()
                self._executor.submit(self._drain, key)
            queue.append((handle, job))  # type: ignore[arg-type]
            return handle

    def _drain(self, key: str) -> None:
        while True:
            with self._cond:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    self._cond.notify_all()
                    return
                handle, job = queue.popleft()
                handle._record.state = "running"
            error: BaseException | None = None
            try:
                handle._value = job()
            except BaseException as exc:  # kept on the handle, never lost
                error = exc
            with self._cond:
                self._ledger.finish(handle._record, error)
                handle._done.set()
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every submitted job has finished."""
        with self._cond:
            if not self._cond.wait_for(lambda: not self._queues, timeout):
                raise TimeoutError(f"background work still running after {timeout} s")

    def close(self) -> None:
        with self._cond:
            self._closed = True
        self.flush()
        self._executor.shutdown(wait=True)

    def status(self, task_id: str) -> TaskStatus | None:
        with self._cond:
            record = self._ledger.records.get(task_id)
            return None if record is None else record.status()

    def failures(self) -> list[TaskStatus]:
        with self._cond:
            return [r.status() for r in self._ledger.failed]

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())


class AsyncTaskHandle(Generic[T]):
    """A background job of an :class:`~mem0g.AsyncMemory`; ``await handle.wait()`` for its result."""

    def __init__(self, record: _Record, future: asyncio.Future[T]) -> None:
        self._record = record
        self._future = future

    @property
    def id(self) -> str:
        return self._record.id

    @property
    def status(self) -> TaskStatus:
        return self._record.status()

    def done(self) -> bool:
        return self._future.done()

    async def wait(self) -> T:
        """The job's result, or its error raised."""
        return await asyncio.shield(self._future)

    def result(self) -> T:
        """The result of a finished job (``asyncio.InvalidStateError`` while it runs)."""
        return self._future.result()


class AsyncBackgroundQueue:
    """asyncio-based queue for ``AsyncMemory``: one drain task per busy key, bounded by a semaphore."""

    def __init__(self, *, concurrency: int = 4) -> None:
        self._semaphore = asyncio.Semaphore(concurrency)
        self._queues: dict[str, deque[tuple[AsyncTaskHandle[object], Callable[[], Awaitable[object]]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._ledger = _Ledger()
        self._closed = False

    def submit(self, key: str, job: Callable[[], Awaitable[T]], *, kind: Kind = "add") -> AsyncTaskHandle[T]:
        if self._closed:
            raise RuntimeError("this AsyncMemory is closed; background work can no longer be submitted")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        handle = AsyncTaskHandle(self._ledger.add(key, kind), future)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            task = asyncio.create_task(self._drain(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append((handle, job))  # type: ignore[arg-type]
        self._idle.clear()
        return handle

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        while queue:
            handle, job = queue.popleft()
            error: BaseException | None = None
            async with self._semaphore:
                handle._record.state = "running"
                try:
                    value = await job()
                except Exception as exc:  # kept on the handle, never lost
                    error = exc
            self._ledger.finish(handle._record, error)
            if error is None:
                handle._future.set_result(value)
            else:
                handle._future.set_exception(error)
                handle._future.exception()  # marks it retrieved: the error lives on in failures()
        del self._queues[key]
        if not self._queues:
            self._idle.set()

    async def flush(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        self._closed = True
        await self.flush()

    def status(self, task_id: str) -> TaskStatus | None:
        record = self._ledger.records.get(task_id)
        return None if record is None else record.status()

    def failures(self) -> list[TaskStatus]:
        return [r.status() for r in self._ledger.failed]

    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())
