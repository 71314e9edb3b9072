//! Task-tools mode over real HTTP: hosts that know nothing of tasks start long tools with a
//! plain `tools/call` and follow, collect, cancel, list and answer them with ordinary tools,
//! in both generations; with the mode off nothing changes.
#![cfg(feature = "server")]

mod support;

use serde_json::{Value, json};
use support::{Legacy, Plain, start_quick, started, text};

const CONTROL_TOOLS: [&str; 5] =
    ["get_task_status", "get_task_result", "cancel_task", "list_my_tasks", "answer_task_input"];

fn is_error(result: &Value) -> bool {
    result["isError"] == true
}

#[tokio::test]
async fn legacy_plain_host_starts_follows_collects_cancels_and_lists() {
    let server = start_quick(true).await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut events = c.open_get_stream().await;

    let tools = c.call("tools/list", json!({})).await["result"]["tools"].clone();
    for name in CONTROL_TOOLS {
        let tool = tools.as_array().unwrap().iter().find(|t| t["name"] == name).unwrap();
        assert_eq!(tool["execution"]["taskSupport"], "forbidden", "{name}");
        assert_eq!(tool["inputSchema"]["type"], "object", "{name}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{name}");
    }
    let slow = tools.as_array().unwrap().iter().find(|t| t["name"] == "slow_compute").unwrap();
    assert!(slow["description"].as_str().unwrap().contains("get_task_status"));
    // A plain call of a task-only tool is served now, so it is listed as optional.
    let confirm = tools.as_array().unwrap().iter().find(|t| t["name"] == "confirm_delete");
    assert_eq!(confirm.unwrap()["execution"]["taskSupport"], "optional");

    // Completed: an optional tool, called plainly, is a task now.
    let report = started(&c.tool("build_report", json!({"sections": 1})).await);
    events.until_status(&report, "completed").await;
    let status = c.tool("get_task_status", json!({"taskId": report})).await;
    assert_eq!(status["structuredContent"]["status"], "completed");
    assert!(status["structuredContent"]["createdAt"].is_string());
    assert!(text(&status).contains("get_task_result"), "{status}");
    let done = c.tool("get_task_result", json!({"taskId": report})).await;
    assert!(!is_error(&done), "{done}");
    assert!(text(&done).starts_with("Report on the quarterly numbers"), "{done}");
    assert_eq!(done["structuredContent"]["result"]["content"], done["content"]);

    // Failed with an isError result (a required tool, plainly called), and with a JSON-RPC
    // error: both come back as isError results.
    let failing = started(&c.tool("failing_job", json!({})).await);
    events.until_status(&failing, "failed").await;
    let failed = c.tool("get_task_result", json!({"taskId": failing})).await;
    assert!(is_error(&failed));
    assert_eq!(text(&failed), "failing_job failed on purpose");
    let erring = started(&c.tool("protocol_error_job", json!({})).await);
    events.until_status(&erring, "failed").await;
    let erred = c.tool("get_task_result", json!({"taskId": erring})).await;
    assert!(is_error(&erred) && text(&erred).contains("-32603"), "{erred}");
    assert_eq!(erred["structuredContent"]["error"]["code"], -32603);

    // Still running: the result is "not yet", at once; cancel is synchronous here, and a
    // second cancel is refused as tasks/cancel refuses it.
    let long = started(&c.tool("slow_compute", json!({"seconds": 60})).await);
    let not_yet = c.tool("get_task_result", json!({"taskId": long})).await;
    assert!(!is_error(&not_yet) && text(&not_yet).contains("still working"), "{not_yet}");
    assert_eq!(not_yet["structuredContent"]["status"], "working");
    let cancelled = c.tool("cancel_task", json!({"taskId": long})).await;
    assert_eq!(cancelled["structuredContent"]["status"], "cancelled", "{cancelled}");
    let again = c.tool("cancel_task", json!({"taskId": long})).await;
    assert!(is_error(&again) && text(&again).contains("nothing to cancel"), "{again}");
    let gone = c.tool("get_task_result", json!({"taskId": long})).await;
    assert!(is_error(&gone) && text(&gone).contains("cancelled"), "{gone}");
    // The same store: tasks/get agrees.
    let got = c.call("tasks/get", json!({"taskId": long})).await;
    assert_eq!(got["result"]["status"], "cancelled");

    let listed = c.tool("list_my_tasks", json!({})).await;
    let ids: Vec<&str> = listed["structuredContent"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [report.as_str(), &failing, &erring, &long]);
    assert!(text(&listed).contains(&long));

    // Forbidden tools stay plain; a task-aware call still gets a task.
    assert_eq!(text(&c.tool("greet", json!({"name": "Ada"})).await), "Hello, Ada!");
    let aware = c
        .call(
            "tools/call",
            json!({"name": "slow_compute", "arguments": {"seconds": 0},
            "task": {"ttl": 60000}}),
        )
        .await;
    assert_eq!(aware["result"]["task"]["status"], "working", "{aware}");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_tasks_stay_with_their_session_and_bad_arguments_are_tool_errors() {
    let server = start_quick(true).await;
    let alice = Legacy::connect(server.local_addr()).await;
    let mallory = Legacy::connect(server.local_addr()).await;
    let task = started(&alice.tool("slow_compute", json!({"seconds": 60})).await);
    for (tool, args) in [
        ("get_task_status", json!({"taskId": task})),
        ("get_task_result", json!({"taskId": task})),
        ("cancel_task", json!({"taskId": task})),
        ("answer_task_input", json!({"taskId": task, "response": {}})),
    ] {
        let res = mallory.tool(tool, args).await;
        assert!(is_error(&res) && text(&res).starts_with("No task"), "{tool}: {res}");
    }
    let listed = mallory.tool("list_my_tasks", json!({})).await;
    assert_eq!(listed["structuredContent"]["tasks"], json!([]));
    assert_eq!(mallory.call("tasks/get", json!({"taskId": task})).await["error"]["code"], -32602);
    let still = alice.tool("get_task_status", json!({"taskId": task})).await;
    assert_eq!(still["structuredContent"]["status"], "working");

    for (tool, args, says) in [
        ("get_task_status", json!({}), "taskId is required"),
        ("get_task_result", json!({"taskId": 7}), "taskId must be a string"),
        ("cancel_task", json!({"taskId": null}), "taskId is required"),
        ("get_task_status", json!({"taskId": "no-such-task"}), "No task no-such-task"),
        ("list_my_tasks", json!({"cursor": 3}), "cursor must be a string"),
        ("list_my_tasks", json!({"cursor": "bogus"}), "cursor is not one"),
        ("answer_task_input", json!({"taskId": task, "action": "maybe"}), "action must be"),
        ("answer_task_input", json!({"taskId": task}), "waits for no answer"),
    ] {
        let res = alice.tool(tool, args.clone()).await;
        assert!(is_error(&res), "{tool} {args}: {res}");
        assert!(text(&res).contains(says), "{tool} {args}: {res}");
    }
    // A task-augmented call of a control tool is refused like any forbidden tool's.
    let refused = alice
        .call(
            "tools/call",
            json!({"name": "get_task_status", "arguments": {"taskId": task},
            "task": {"ttl": 1000}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32601);
    alice.tool("cancel_task", json!({"taskId": task})).await;
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_plain_host_answers_questions_with_a_tool() {
    let server = start_quick(true).await;
    // No elicitation capability: the question waits with the task instead of being sent.
    let c = Legacy::connect(server.local_addr()).await;
    let mut events = c.open_get_stream().await;
    let task = started(&c.tool("confirm_delete", json!({"item": "report.pdf"})).await);
    let seen = events.until_status(&task, "input_required").await;
    let status = c.tool("get_task_status", json!({"taskId": task})).await;
    let ask = &status["structuredContent"]["inputRequests"][0];
    assert_eq!(ask["method"], "elicitation/create");
    assert_eq!(ask["params"]["message"], "Delete report.pdf?");
    let words = text(&status);
    assert!(words.contains("\"Delete report.pdf?\"") && words.contains("answer_task_input"));
    assert!(words.contains("confirm (boolean, required)"), "{words}");
    let result = c.tool("get_task_result", json!({"taskId": task})).await;
    assert!(text(&result).contains("Delete report.pdf?"), "{result}");

    let wrong =
        c.tool("answer_task_input", json!({"taskId": task, "response": {"confirm": "yes"}}));
    let wrong = wrong.await;
    assert!(is_error(&wrong) && text(&wrong).contains("confirm must be a boolean"), "{wrong}");
    let ok = c.tool("answer_task_input", json!({"taskId": task, "response": {"confirm": true}}));
    let ok = ok.await;
    assert!(!is_error(&ok), "{ok}");
    assert_eq!(ok["structuredContent"]["openQuestions"], 0);
    let rest = events.until_status(&task, "completed").await;
    assert!(
        seen.iter().chain(&rest).all(|m| m["method"] != "elicitation/create"),
        "a client without elicitation was sent one: {seen:?} {rest:?}"
    );
    assert_eq!(text(&c.tool("get_task_result", json!({"taskId": task})).await), "deleted");

    // Two questions at once: each answer names its key.
    let task = started(&c.tool("multi_input", json!({})).await);
    events.until_status(&task, "input_required").await;
    let status = c.tool("get_task_status", json!({"taskId": task})).await;
    let keys: Vec<String> = status["structuredContent"]["inputRequests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2, "{status}");
    let which = c.tool("answer_task_input", json!({"taskId": task, "response": {"name": "Ada"}}));
    let which = which.await;
    assert!(is_error(&which) && text(&which).contains("pass key"), "{which}");
    for (key, answer) in keys.iter().zip([json!({"name": "Ada"}), json!({"colour": "green"})]) {
        let res =
            c.tool("answer_task_input", json!({"taskId": task, "key": key, "response": answer}));
        assert!(!is_error(&res.await));
    }
    events.until_status(&task, "completed").await;
    let done = c.tool("get_task_result", json!({"taskId": task})).await;
    assert_eq!(text(&done), "Ada likes green");

    // A declined question reads as the user's refusal.
    let task = started(&c.tool("deploy_release", json!({"environment": "staging"})).await);
    events.until_status(&task, "input_required").await;
    let res = c.tool("answer_task_input", json!({"taskId": task, "action": "decline"})).await;
    assert!(!is_error(&res), "{res}");
    events.until_status(&task, "completed").await;
    let done = c.tool("get_task_result", json!({"taskId": task})).await;
    assert!(text(&done).contains("was not approved"), "{done}");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_plain_host_with_elicitation_is_asked_on_its_stream() {
    let server = start_quick(true).await;
    let c = Legacy::connect_with(server.local_addr(), json!({"elicitation": {}})).await;
    let mut events = c.open_get_stream().await;
    let task = started(&c.tool("confirm_delete", json!({"item": "a.txt"})).await);
    let ask = loop {
        let msg = events.next().await.expect("stream open");
        if msg["method"] == "elicitation/create" {
            break msg;
        }
    };
    assert_eq!(ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task);
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": false}}});
    c.post(&answer).await;
    events.until_status(&task, "completed").await;
    assert_eq!(text(&c.tool("get_task_result", json!({"taskId": task})).await), "kept");
    server.shutdown().await;
}

#[tokio::test]
async fn extension_plain_host_starts_follows_collects_cancels_and_lists() {
    let server = start_quick(true).await;
    let addr = server.local_addr();
    let alice = Plain { addr, token: Some("Bearer alice") };

    let tools = alice.request("tools/list", None, json!({}), false).await;
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(CONTROL_TOOLS.iter().all(|c| names.contains(c)), "{names:?}");

    let task = started(&alice.tool("slow_compute", json!({"seconds": 0, "steps": 1})).await);
    alice.wait_for(&task, "completed").await;
    let done = alice.tool("get_task_result", json!({"taskId": task})).await;
    assert_eq!(text(&done), "computed 1 steps in 0s");

    // isError results are `completed` in this generation; JSON-RPC errors are `failed`.
    let failing = started(&alice.tool("failing_job", json!({})).await);
    alice.wait_for(&failing, "completed").await;
    let failed = alice.tool("get_task_result", json!({"taskId": failing})).await;
    assert!(is_error(&failed) && text(&failed) == "failing_job failed on purpose", "{failed}");
    let erring = started(&alice.tool("protocol_error_job", json!({})).await);
    alice.wait_for(&erring, "failed").await;
    let erred = alice.tool("get_task_result", json!({"taskId": erring})).await;
    assert!(is_error(&erred) && text(&erred).contains("protocol_error_job failed"), "{erred}");

    // Cancel is cooperative here and a repeat is no error.
    let long = started(&alice.tool("slow_compute", json!({"seconds": 60})).await);
    let asked = alice.tool("cancel_task", json!({"taskId": long})).await;
    assert!(!is_error(&asked) && text(&asked).contains("Asked task"), "{asked}");
    alice.wait_for(&long, "cancelled").await;
    let again = alice.tool("cancel_task", json!({"taskId": long})).await;
    assert!(!is_error(&again) && text(&again).contains("nothing to cancel"), "{again}");

    let listed = alice.tool("list_my_tasks", json!({})).await;
    assert_eq!(listed["structuredContent"]["tasks"].as_array().unwrap().len(), 4, "{listed}");

    // Another owner sees none of it; the anonymous owner may not list at all.
    let bob = Plain { addr, token: Some("Bearer bob") };
    for tool in ["get_task_status", "get_task_result", "cancel_task"] {
        let res = bob.tool(tool, json!({"taskId": task})).await;
        assert!(is_error(&res) && text(&res).starts_with("No task"), "{tool}: {res}");
    }
    assert_eq!(bob.tool("list_my_tasks", json!({})).await["structuredContent"]["tasks"], json!([]));
    let anonymous = Plain { addr, token: None };
    let refused = anonymous.tool("list_my_tasks", json!({})).await;
    assert!(is_error(&refused) && text(&refused).contains("Authorization"), "{refused}");

    // Forbidden stays plain; a declaring caller still gets the extension's task.
    assert!(text(&alice.tool("roll_dice", json!({"count": 1})).await).starts_with("Rolled 1d6"));
    let params = json!({"name": "slow_compute", "arguments": {"seconds": 0}});
    let aware = alice.request("tools/call", Some("slow_compute"), params, true).await;
    assert_eq!(aware["result"]["resultType"], "task", "{aware}");
    server.shutdown().await;
}

#[tokio::test]
async fn extension_plain_host_answers_a_question_from_inside_the_task() {
    let server = start_quick(true).await;
    let host = Plain { addr: server.local_addr(), token: None };
    // Without the extension declared there is no multi-round call: the task asks itself.
    let task = started(&host.tool("test_tool_with_task", json!({})).await);
    let status = host.wait_for(&task, "input_required").await;
    let key = status["structuredContent"]["inputRequests"][0]["key"].as_str().unwrap().to_owned();
    assert!(text(&status).contains("What is your name?"), "{status}");
    let ok = host
        .tool("answer_task_input", json!({"taskId": task, "key": key, "response": {"name": "Ada"}}))
        .await;
    assert!(!is_error(&ok), "{ok}");
    host.wait_for(&task, "completed").await;
    let done = host.tool("get_task_result", json!({"taskId": task})).await;
    assert_eq!(text(&done), "Hello, Ada! Your task is done.");
    server.shutdown().await;
}

#[tokio::test]
async fn without_the_mode_nothing_changes() {
    let server = start_quick(false).await;
    let c = Legacy::connect(server.local_addr()).await;
    let tools = c.call("tools/list", json!({})).await["result"]["tools"].clone();
    let names: Vec<&str> =
        tools.as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(CONTROL_TOOLS.iter().all(|c| !names.contains(c)), "{names:?}");
    assert!(names.contains(&"build_report"));
    let inline = c.tool("slow_compute", json!({"seconds": 0, "steps": 1})).await;
    assert_eq!(text(&inline), "computed 1 steps in 0s");
    assert!(inline.get("structuredContent").is_none());
    let unknown = c
        .call("tools/call", json!({"name": "get_task_status", "arguments": {"taskId": "x"}}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602);
    let required = c.call("tools/call", json!({"name": "confirm_delete", "arguments": {}})).await;
    assert_eq!(required["error"]["code"], -32601);

    let host = Plain { addr: server.local_addr(), token: None };
    let params = json!({"name": "confirm_delete", "arguments": {}});
    let refused = host.request("tools/call", Some("confirm_delete"), params, false).await;
    assert_eq!(refused["error"]["code"], -32021);
    let inline = host.tool("slow_compute", json!({"seconds": 0, "steps": 1})).await;
    assert_eq!(text(&inline), "computed 1 steps in 0s");
    server.shutdown().await;
}
