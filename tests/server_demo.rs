//! The demo tools over real HTTP, as a task-aware 2025-11-25 client (the demo page's
//! protocol) sees them.
#![cfg(feature = "server")]

mod support;

use serde_json::{Value, json};
use support::{Legacy, Sse, start_quick, text};

/// Calls `name` as a task with a progress token and returns the task id.
async fn start_task(c: &Legacy, name: &str, args: Value) -> String {
    let body = c
        .call(
            "tools/call",
            json!({"name": name, "arguments": args, "task": {"ttl": 60000},
            "_meta": {"progressToken": "watch"}}),
        )
        .await;
    assert_eq!(body["result"]["task"]["status"], "working", "{body}");
    body["result"]["task"]["taskId"].as_str().unwrap().to_owned()
}

/// Opens the held `tasks/result` stream of `task` (request id 9).
async fn result_stream(c: &Legacy, task: &str) -> Sse {
    let req = json!({"jsonrpc": "2.0", "id": 9, "method": "tasks/result",
        "params": {"taskId": task}});
    c.post(&req).await.sse()
}

#[tokio::test]
async fn demo_tools_cover_every_task_support_and_explain_themselves() {
    let server = start_quick(false).await;
    let c = Legacy::connect(server.local_addr()).await;
    let tools = c.call("tools/list", json!({})).await["result"]["tools"].clone();
    for (name, support) in [
        ("roll_dice", "forbidden"),
        ("build_report", "optional"),
        ("import_contacts", "optional"),
        ("deploy_release", "required"),
    ] {
        let tool = tools.as_array().unwrap().iter().find(|t| t["name"] == name).unwrap();
        assert_eq!(tool["execution"]["taskSupport"], support, "{name}");
        assert!(tool["description"].as_str().unwrap().len() > 40, "{name}");
        let props = tool["inputSchema"]["properties"].as_object().unwrap();
        assert!(props.values().all(|p| p["description"].is_string()), "{name}");
    }

    let dice = c.tool("roll_dice", json!({"count": 3, "sides": 4})).await;
    let total = dice["structuredContent"]["total"].as_u64().unwrap();
    assert!((3..=12).contains(&total), "{dice}");
    assert!(text(&dice).starts_with("Rolled 3d4: "), "{dice}");
    let bad = c.tool("roll_dice", json!({"sides": 1000})).await;
    assert_eq!(bad["isError"], true);
    assert!(text(&bad).contains("sides must be a whole number from 2 to 100"), "{bad}");
    let refused = c
        .call("tools/call", json!({"name": "roll_dice", "arguments": {}, "task": {"ttl": 1000}}))
        .await;
    assert_eq!(refused["error"]["code"], -32601);
    // An optional demo tool runs inline when called plainly.
    let inline = c.tool("build_report", json!({"topic": "tides", "sections": 2})).await;
    assert!(text(&inline).starts_with("Report on tides: 2 section(s) (Summary, Background)"));
    server.shutdown().await;
}

#[tokio::test]
async fn build_report_reports_every_step_with_progress() {
    let server = start_quick(false).await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut events = c.open_get_stream().await;
    let task = start_task(&c, "build_report", json!({"topic": "tides", "sections": 2})).await;
    let mut held = result_stream(&c, &task).await;
    let (done, before) = held.until_response(9).await;
    assert_eq!(done["result"]["structuredContent"]["sections"], json!(["Summary", "Background"]));
    let seen = events.until_status(&task, "completed").await;
    // Progress goes where the task's input would: the held `tasks/result` once it is open,
    // the GET stream before that. Which stream gets the first step is a race.
    let mut progress: Vec<(u64, u64)> = before
        .iter()
        .chain(&seen)
        .filter(|m| m["method"] == "notifications/progress")
        .inspect(|m| assert_eq!(m["params"]["progressToken"], "watch"))
        .map(|m| {
            (m["params"]["progress"].as_u64().unwrap(), m["params"]["total"].as_u64().unwrap())
        })
        .collect();
    progress.sort_unstable();
    assert_eq!(progress, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
    let messages: Vec<String> = seen
        .iter()
        .filter_map(|m| m["params"]["statusMessage"].as_str().map(str::to_owned))
        .collect();
    for want in [
        "Gathering sources on tides",
        "Reading 6 sources",
        "Writing section 2 of 2: Background",
        "Checking the figures",
    ] {
        assert!(messages.iter().any(|m| m == want), "{want} not in {messages:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn deploy_release_asks_for_approval_then_proceeds_or_stops() {
    let server = start_quick(false).await;
    let c = Legacy::connect_with(server.local_addr(), json!({"elicitation": {}})).await;
    for (approve, outcome) in [
        (true, "Deployed checkout 2.4.0 to production: 3 of 3 instances healthy."),
        (false, "Deployment of checkout 2.4.0 to production was not approved. Nothing changed."),
    ] {
        let task = start_task(&c, "deploy_release", json!({})).await;
        let mut held = result_stream(&c, &task).await;
        let ask = loop {
            let msg = held.next().await.expect("the request for approval");
            if msg["method"] == "elicitation/create" {
                break msg;
            }
        };
        let message = ask["params"]["message"].as_str().unwrap();
        assert!(message.starts_with("Deploy checkout 2.4.0 to production?"), "{message}");
        assert_eq!(ask["params"]["requestedSchema"]["required"], json!(["approve"]));
        let got = c.call("tasks/get", json!({"taskId": task})).await;
        assert_eq!(got["result"]["status"], "input_required");
        let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
            "result": {"action": "accept", "content": {"approve": approve}}});
        c.post(&answer).await;
        let (done, before) = held.until_response(9).await;
        assert_eq!(text(&done["result"]), outcome);
        let steps = before.iter().filter(|m| m["method"] == "notifications/progress").count();
        assert_eq!(steps, if approve { 4 } else { 0 }, "{before:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn import_contacts_fails_part_way() {
    let server = start_quick(false).await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = start_task(&c, "import_contacts", json!({"rows": 1000})).await;
    let (done, before) = result_stream(&c, &task).await.until_response(9).await;
    assert_eq!(done["result"]["isError"], true);
    let says = text(&done["result"]);
    assert!(says.starts_with("Import of contacts.csv stopped at row 634"), "{says}");
    let last = before.iter().rev().find(|m| m["method"] == "notifications/progress").unwrap();
    assert_eq!(last["params"]["progress"], 600);
    assert_eq!(last["params"]["message"], "Imported 600 of 1,000 rows");
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "failed");
    server.shutdown().await;
}
