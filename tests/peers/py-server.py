"""Reference MCP server built with the official Python SDK (mcp 1.30.0), used only to
validate the peer client scripts before they are pointed at our own server.

    python tests/peers/py-server.py PORT     -> MCP endpoint http://127.0.0.1:PORT/mcp/

The SDK's session manager is mounted at /mcp/ (with the slash; /mcp answers 307). It speaks
the 2025-11-25 task protocol and exposes the same fixture tools as ts-server.mjs:
  slow_compute   taskSupport optional  {seconds, steps?, label?}  "step i/n" status messages, then a text result
  confirm_delete taskSupport required  {filename?}                input_required + elicitation/create {confirm: boolean}
  failing_job    taskSupport required  {}                         ends failed with an isError tool result
  raising_job    taskSupport required  {}                         the work raises: the SDK fails the task with the
                                                                  exception's text and stores no result, so
                                                                  tasks/result carries only _meta
  greet          no task support       {name}                     "Hello, {name}!"
and three that ask the client to host tasks (the client must declare tasks.requests):
  approve_twice     taskSupport required  {}       two elicitations sent as client tasks
                                                    (elicit_as_task), one after the other; the
                                                    result names both answers
  summarize_as_task taskSupport required  {}       sampling sent as a client task
                                                    (create_message_as_task); returns the text
  ask_then_cancel   taskSupport required  {after?} an elicitation sent as a client task, which the
                                                    server cancels with tasks/cancel after `after`
                                                    seconds (default 1); returns the cancel's status
Prints "listening on URL" once it accepts connections.
"""

import contextlib
import sys
import warnings
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

import mcp.types as types
from mcp.server.experimental.task_context import ServerTaskContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.experimental.tasks.helpers import is_terminal
from mcp.shared.experimental.tasks.message_queue import QueuedMessage
from mcp.shared.experimental.tasks.resolver import Resolver

# mcp 1.30.0 marks the whole tasks API deprecated (tasks left the core spec); the fixture
# uses it on purpose, so keep the server's output to what matters.
warnings.filterwarnings("ignore", category=DeprecationWarning)

TOOLS = [
    types.Tool(
        name="slow_compute",
        description='Sleeps `seconds` in `steps` steps, reporting "step i/n", then returns a text result.',
        inputSchema={
            "type": "object",
            "properties": {
                "seconds": {"type": "number", "minimum": 0},
                "steps": {"type": "integer", "minimum": 1},
                "label": {"type": "string"},
            },
            "required": ["seconds"],
        },
        execution=types.ToolExecution(taskSupport="optional"),
    ),
    types.Tool(
        name="confirm_delete",
        description="Asks the client to confirm (elicitation, boolean `confirm`), then deletes the file.",
        inputSchema={"type": "object", "properties": {"filename": {"type": "string"}}},
        execution=types.ToolExecution(taskSupport="required"),
    ),
    types.Tool(
        name="failing_job",
        description="Always fails: the task ends failed with an isError tool result.",
        inputSchema={"type": "object", "properties": {}},
        execution=types.ToolExecution(taskSupport="required"),
    ),
    types.Tool(
        name="raising_job",
        description="Raises inside its work: the SDK fails the task with the exception's text.",
        inputSchema={"type": "object", "properties": {}},
        execution=types.ToolExecution(taskSupport="required"),
    ),
    types.Tool(
        name="greet",
        description="Returns a greeting; never a task.",
        inputSchema={"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    ),
]
for name, description in [
    ("approve_twice", "Asks for two approvals, each as a task the client hosts."),
    ("summarize_as_task", "Asks the client's model for a summary, as a task the client hosts."),
    ("ask_then_cancel", "Asks as a task the client hosts, then cancels that task after `after` seconds."),
]:
    TOOLS.append(
        types.Tool(
            name=name,
            description=description,
            inputSchema={"type": "object", "properties": {"after": {"type": "number"}}},
            execution=types.ToolExecution(taskSupport="required"),
        )
    )
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}

APPROVAL = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean"}},
    "required": ["confirm"],
}


def text_result(text: str, is_error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=is_error)


server = Server("mcp-tasks-py-reference")
task_support = server.experimental.enable_tasks()


async def still_running(task_id: str) -> bool:
    # The SDK's tasks/cancel marks the task cancelled in the store; the work itself is
    # not interrupted, so it checks before each step and before finishing.
    task = await task_support.store.get_task(task_id)
    return task is not None and not is_terminal(task.status)


async def slow_compute(task: ServerTaskContext, args: dict[str, Any]) -> types.CallToolResult | None:
    seconds = float(args.get("seconds", 1))
    steps = int(args.get("steps", 1))
    for i in range(1, steps + 1):
        await anyio.sleep(seconds / steps)
        if not await still_running(task.task_id):
            return None
        if i < steps:
            await task.update_status(f"step {i}/{steps}")
    label = args.get("label")
    return text_result(f"computed after {args.get('seconds', 1)}s in {steps} steps" + (f" ({label})" if label else ""))


async def confirm_delete(task: ServerTaskContext, args: dict[str, Any]) -> types.CallToolResult:
    filename = args.get("filename", "example.txt")
    # elicit() moves the task to input_required, queues the request for tasks/result and
    # moves it back to working once the client answered.
    answer = await task.elicit(
        message=f"Delete {filename}?",
        requestedSchema={
            "type": "object",
            "properties": {"confirm": {"type": "boolean", "description": "Confirm the deletion"}},
            "required": ["confirm"],
        },
    )
    confirmed = answer.action == "accept" and bool((answer.content or {}).get("confirm"))
    return text_result(f"deleted {filename}" if confirmed else f"kept {filename} (not confirmed)")


async def failing_job(task: ServerTaskContext, _args: dict[str, Any]) -> None:
    await anyio.sleep(0.05)
    # Returning an isError result would end the task "completed" (run_task completes with
    # whatever work returns), and task.fail() alone stores no result, so tasks/result would
    # carry only _meta. The spec wants status failed and the isError result from
    # tasks/result: store the result, then fail.
    await task_support.store.store_result(task.task_id, text_result("failing_job failed on purpose", is_error=True))
    await task.fail("failing_job failed on purpose")


async def raising_job(_task: ServerTaskContext, _args: dict[str, Any]) -> types.CallToolResult:
    await anyio.sleep(0.05)
    # What most tool code does when it breaks. run_task turns the exception into a failed
    # task (statusMessage: the exception's text) and stores no result.
    raise RuntimeError("raising_job broke on purpose")


def answer_text(answer: types.ElicitResult) -> str:
    return f"{answer.action}/{(answer.content or {}).get('confirm')}"


async def approve_twice(task: ServerTaskContext, _args: dict[str, Any]) -> types.CallToolResult:
    first = await task.elicit_as_task("First approval?", APPROVAL, ttl=60000)
    second = await task.elicit_as_task("Second approval?", APPROVAL, ttl=60000)
    return text_result(f"first: {answer_text(first)}, second: {answer_text(second)}")


async def summarize_as_task(task: ServerTaskContext, _args: dict[str, Any]) -> types.CallToolResult:
    message = types.SamplingMessage(role="user", content=types.TextContent(type="text", text="Summarize: tasks"))
    result = await task.create_message_as_task([message], max_tokens=50, ttl=60000)
    content = result.content
    return text_result(f"summary: {content.text if isinstance(content, types.TextContent) else content}")


async def ask_then_cancel(task: ServerTaskContext, args: dict[str, Any]) -> types.CallToolResult:
    # elicit_as_task() polls to the end and hides the client's task id; this is its first
    # half (SDK internals, as task_context.py does it), then a tasks/cancel of our own.
    await task_support.store.update_task(task.task_id, status="input_required")
    request = task._session._build_elicit_form_request(
        message="Approve? (the server will withdraw this question)",
        requestedSchema=APPROVAL,
        related_task_id=task.task_id,
        task=types.TaskMetadata(ttl=60000),
    )
    resolver: Resolver[dict[str, Any]] = Resolver()
    task._handler._pending_requests[request.id] = resolver
    queued = QueuedMessage(type="request", message=request, resolver=resolver, original_request_id=request.id)
    await task._queue.enqueue(task.task_id, queued)
    created = types.CreateTaskResult.model_validate(await resolver.wait())
    await task_support.store.update_task(task.task_id, status="working")
    await anyio.sleep(float(args.get("after", 1)))
    cancelled = await task._session.send_request(
        types.ServerRequest(
            types.CancelTaskRequest(params=types.CancelTaskRequestParams(taskId=created.task.taskId))
        ),
        types.CancelTaskResult,
    )
    return text_result(f"cancelled {created.task.taskId}: {cancelled.status}")


WORK = {
    "approve_twice": approve_twice,
    "summarize_as_task": summarize_as_task,
    "ask_then_cancel": ask_then_cancel,
    "slow_compute": slow_compute,
    "confirm_delete": confirm_delete,
    "failing_job": failing_job,
    "raising_job": raising_job,
}


@server.list_tools()
async def list_tools() -> list[types.Tool]:
    return TOOLS


@server.call_tool()
async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult | types.CreateTaskResult:
    ctx = server.request_context
    tool = TOOLS_BY_NAME.get(name)
    if tool is None:
        return text_result(f"unknown tool {name}", is_error=True)
    # The low-level server does not enforce taskSupport by itself: -32601 for a task on
    # greet or a plain call of confirm_delete.
    ctx.experimental.validate_for_tool(tool)
    if name == "greet":
        return text_result(f"Hello, {arguments.get('name', '')}!")
    work = WORK[name]
    if ctx.experimental.is_task:

        async def run(task: ServerTaskContext) -> types.CallToolResult:
            result = await work(task, arguments)
            if result is None:
                # The task already ended (cancelled by the client, or failed by the work).
                # run_task decides whether to complete it from the context's cached copy of
                # the task, which a tasks/cancel does not update; completing a cancelled task
                # raises inside the SDK's task group. Refresh the cached copy (a private field:
                # the SDK offers no public way) so run_task sees the terminal status.
                task._ctx._task = await task_support.store.get_task(task.task_id) or task.task
                return text_result("ended early")
            return result

        return await ctx.experimental.run_task(run)
    # A plain call of an optional tool runs the same work without a task.
    if name == "slow_compute":
        await anyio.sleep(float(arguments.get("seconds", 1)))
        return text_result(f"computed after {arguments.get('seconds', 1)}s")
    return text_result("failing_job failed on purpose", is_error=True)


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: python py-server.py PORT", file=sys.stderr)
        sys.exit(2)
    port = int(sys.argv[1])
    manager = StreamableHTTPSessionManager(app=server)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):
        async with manager.run():
            print(f"listening on http://127.0.0.1:{port}/mcp/", flush=True)
            yield

    app = Starlette(routes=[Mount("/mcp", app=manager.handle_request)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
