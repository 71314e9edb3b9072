"""Interop script: drives an MCP server's 2025-11-25 task support with the official Python
SDK client (mcp 1.30.0), the way a third-party host would. Same checks and output as
ts-client.mjs.

    python tests/peers/py-client.py URL       e.g. http://127.0.0.1:8931/mcp

The URL is used exactly as given (the Python SDK server lives at /mcp/, with the slash).
The server must expose the fixture tools slow_compute, confirm_delete, failing_job and greet
(see ts-server.mjs). Every check prints one line:
    ok - NAME | not ok - NAME: REASON | skip - NAME: REASON
then "N passed, N failed" (and ", N skipped" when any); the exit status is 1 on any failure.
PEERS_SKIP_ELICITATION=1 skips the confirm_delete check. Every wait is bounded
(PEERS_CHECK_TIMEOUT_MS, default 20 s per check).
"""

import os
import sys
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

import mcp.types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.context import RequestContext
from mcp.shared.exceptions import McpError

# mcp 1.30.0 marks session.experimental deprecated (tasks left the core spec); this script
# uses it on purpose.
warnings.filterwarnings("ignore", category=DeprecationWarning)

CHECK_TIMEOUT_S = int(os.environ.get("PEERS_CHECK_TIMEOUT_MS", "20000")) / 1000
SKIP_ELICITATION = os.environ.get("PEERS_SKIP_ELICITATION", "") in ("1", "true", "yes")
TTL_MS = 60_000

T = TypeVar("T")


class Skip(Exception):
    pass


class Tally:
    passed = 0
    failed = 0
    skipped = 0


def describe(err: BaseException) -> str:
    # anyio task groups wrap the real cause (e.g. a refused connection) in exception groups.
    while getattr(err, "exceptions", None):
        err = err.exceptions[0]
    if isinstance(err, McpError):
        return f"MCP error {err.error.code}: {err.error.message}"
    if isinstance(err, TimeoutError):
        return f"timed out after {CHECK_TIMEOUT_S:g} s"
    return f"{type(err).__name__}: {err}" if not str(err) else str(err)


async def check(name: str, fn: Callable[[], Awaitable[T]]) -> T | None:
    """Runs one check within the time bound; returns its value, or None when it did not pass."""
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            value = await fn()
    except Skip as err:
        Tally.skipped += 1
        print(f"skip - {name}: {err}", flush=True)
        return None
    except Exception as err:  # a check fails on anything it raises
        Tally.failed += 1
        print(f"not ok - {name}: {describe(err)}", flush=True)
        return None
    Tally.passed += 1
    print(f"ok - {name}", flush=True)
    return value


def ensure(condition: Any, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def note(text: str) -> None:
    """Observations about SDK behaviour, not checks."""
    print(f"# {text}", flush=True)


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def expect_error(code: int, call: Callable[[], Awaitable[Any]], what: str) -> None:
    try:
        value = await call()
    except McpError as err:
        ensure(err.error.code == code, f"error code {err.error.code}: {err.error.message}")
        return
    raise AssertionError(f"{what} succeeded: {value!r}")


async def run(url: str) -> None:
    elicitations: list[types.ElicitRequestParams] = []

    async def on_elicit(
        _ctx: RequestContext[ClientSession, Any], params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        elicitations.append(params)
        return types.ElicitResult(action="accept", content={"confirm": True})

    async with streamablehttp_client(url) as (read, write, _session_id):
        # The Python client declares `tasks` only when it can host tasks itself (list,
        # cancel or task-augmented elicitation/sampling handlers); this one cannot, so its
        # initialize carries elicitation but no tasks capability.
        async with ClientSession(read, write, elicitation_callback=on_elicit) as session:
            await session_checks(session, elicitations)


async def session_checks(session: ClientSession, elicitations: list[types.ElicitRequestParams]) -> None:
    tasks = session.experimental

    async def initialize() -> bool:
        init = await session.initialize()
        caps = init.capabilities.tasks
        ensure(
            caps and caps.requests and caps.requests.tools and caps.requests.tools.call is not None,
            f"server capabilities lack tasks.requests.tools.call: {init.capabilities.model_dump(exclude_none=True)}",
        )
        note(f"protocol version {init.protocolVersion}, server tasks capability {caps.model_dump(exclude_none=True)}")
        return True

    if not await check("initialize", initialize):
        return

    async def tools_list() -> None:
        listed = await session.list_tools()
        support = {t.name: (t.execution.taskSupport if t.execution else None) for t in listed.tools}
        for name, want in {"slow_compute": "optional", "confirm_delete": "required", "failing_job": "required"}.items():
            ensure(name in support, f"tool {name} missing")
            ensure(support[name] == want, f"{name} taskSupport is {support[name]}, expected {want}")
        ensure("greet" in support, "tool greet missing")
        # Absent and "forbidden" mean the same thing on the wire.
        ensure(support["greet"] in (None, "forbidden"), f"greet taskSupport is {support['greet']}")

    await check("tools/list taskSupport", tools_list)

    async def run_task(name: str, arguments: dict[str, Any]) -> tuple[str, list[str], types.GetTaskResult]:
        """Creates a task and polls it to a terminal status, calling tasks/result while it
        is input_required (that is where the server delivers its queued requests)."""
        created = await tasks.call_tool_as_task(name, arguments, ttl=TTL_MS)
        ensure(created.task.status == "working", f"created task status {created.task.status}")
        statuses: list[str] = []
        last = None
        async for status in tasks.poll_task(created.task.taskId):
            statuses.append(status.status)
            last = status
            if status.status == "input_required":
                # Blocks until the task is terminal, answering the elicitation on the way.
                await tasks.get_task_result(created.task.taskId, types.CallToolResult)
        assert last is not None
        return created.task.taskId, statuses, last

    async def slow_compute() -> str:
        task_id, statuses, last = await run_task("slow_compute", {"seconds": 0.6, "steps": 3})
        ensure(last.status == "completed", f"final status {last.status}: {last.statusMessage}")
        result = await tasks.get_task_result(task_id, types.CallToolResult)
        ensure(not result.isError, f"result isError: {text_of(result)}")
        ensure(text_of(result), "result has no text content")
        note(f"slow_compute statuses polled: {' '.join(statuses)}")
        return task_id

    slow = await check("slow_compute as a task: created, polled, result", slow_compute)

    async def get_completed() -> None:
        if not slow:
            raise Skip("no task from the previous check")
        task = await tasks.get_task(slow)
        ensure(task.taskId == slow, f"taskId {task.taskId}")
        ensure(task.status == "completed", f"status {task.status}")
        ensure(task.createdAt and task.lastUpdatedAt, "createdAt/lastUpdatedAt missing")

    await check("get_task of the finished slow_compute task is completed", get_completed)

    confirm_id: str | None = None
    if SKIP_ELICITATION:
        Tally.skipped += 1
        print("skip - confirm_delete elicits through input_required and completes: PEERS_SKIP_ELICITATION is set")
    else:

        async def confirm_delete() -> str:
            task_id, statuses, last = await run_task("confirm_delete", {"filename": "peers.txt"})
            ensure(last.status == "completed", f"final status {last.status}: {last.statusMessage}")
            ensure(len(elicitations) == 1, f"elicitation callback called {len(elicitations)} times")
            schema = elicitations[0].requestedSchema if isinstance(elicitations[0], types.ElicitRequestFormParams) else {}
            confirm = (schema.get("properties") or {}).get("confirm") or {}
            ensure(confirm.get("type") == "boolean", f"requestedSchema has no boolean confirm: {schema}")
            result = await tasks.get_task_result(task_id, types.CallToolResult)
            ensure("deleted" in text_of(result), f"result text: {text_of(result)}")
            note(f"confirm_delete statuses polled: {' '.join(statuses)}")
            return task_id

        confirm_id = await check("confirm_delete elicits through input_required and completes", confirm_delete)

    async def failing_job() -> str:
        task_id, _statuses, last = await run_task("failing_job", {})
        ensure(last.status == "failed", f"status {last.status}")
        note(f"failing_job statusMessage: {last.statusMessage!r}")
        return task_id

    failing = await check("failing_job as a task ends failed", failing_job)

    async def failed_result() -> None:
        if not failing:
            raise Skip("no failed task from the previous check")
        result = await tasks.get_task_result(failing, types.CallToolResult)
        ensure(result.isError is True, f"isError is {result.isError}: {result.model_dump(exclude_none=True)}")

    await check("get_task_result of the failed task returns the isError tool result", failed_result)

    async def list_tasks() -> None:
        seen: set[str] = set()
        cursor = None
        # Bounded paging: a server that keeps returning a cursor must not loop forever.
        for _ in range(50):
            page = await tasks.list_tasks(cursor)
            seen.update(t.taskId for t in page.tasks)
            cursor = page.nextCursor
            if not cursor:
                break
        wanted = [t for t in (slow, confirm_id, failing) if t]
        ensure(wanted, "no task ids from earlier checks")
        missing = [t for t in wanted if t not in seen]
        ensure(not missing, f"missing {', '.join(missing)} among {len(seen)} listed")

    await check("list_tasks contains the tasks", list_tasks)

    async def cancel_running() -> str:
        created = await tasks.call_tool_as_task("slow_compute", {"seconds": 30, "steps": 30}, ttl=TTL_MS)
        task_id = created.task.taskId
        cancelled = await tasks.cancel_task(task_id)
        ensure(cancelled.status == "cancelled", f"cancel_task answered {cancelled.model_dump(exclude_none=True)}")
        task = await tasks.get_task(task_id)
        ensure(task.status == "cancelled", f"get_task after cancel: {task.status}")
        return task_id

    cancelled_id = await check("cancel_task of a running task returns status cancelled", cancel_running)

    async def cancel_terminal() -> None:
        if not cancelled_id:
            raise Skip("no cancelled task from the previous check")
        await expect_error(-32602, lambda: tasks.cancel_task(cancelled_id), "second cancel")

    await check("cancel_task of a terminal task fails with -32602", cancel_terminal)

    async def unknown_task() -> None:
        await expect_error(-32602, lambda: tasks.get_task("no-such-task"), "get_task of an unknown id")

    await check("get_task of an unknown task id fails with -32602", unknown_task)

    async def greet() -> None:
        result = await session.call_tool("greet", {"name": "peers"})
        ensure(not result.isError, f"isError: {text_of(result)}")
        ensure(text_of(result) == "Hello, peers!", f"text: {text_of(result)}")

    await check("greet is a plain tool call", greet)


def main() -> None:
    if len(sys.argv) != 2:
        print("usage: python py-client.py URL", file=sys.stderr)
        sys.exit(2)
    try:
        anyio.run(run, sys.argv[1])
    except BaseException as err:  # connection failures surface as exception groups
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        Tally.failed += 1
        print(f"not ok - script: {describe(err)}")
    skipped = f", {Tally.skipped} skipped" if Tally.skipped else ""
    print(f"{Tally.passed} passed, {Tally.failed} failed{skipped}")
    sys.exit(1 if Tally.failed else 0)


if __name__ == "__main__":
    main()
