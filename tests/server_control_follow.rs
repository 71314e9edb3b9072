//! Following a plainly started task in task-tools mode: the tool it runs and how far it got
//! in `get_task_status`, `list_my_tasks` narrowed by status, and the server's instructions
//! that tell a task-unaware model how to follow a task.
#![cfg(feature = "server")]

mod support;

use mcp_tasks::server::Config;
use mcp_tasks::store::StoreConfig;
use serde_json::{Value, json};
use support::{Legacy, Plain, ext, quick, start_quick, start_with, started, text};

fn ids(listed: &Value) -> Vec<String> {
    let tasks = listed["structuredContent"]["tasks"].as_array().unwrap();
    tasks.iter().map(|t| t["taskId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn legacy_status_shows_the_tool_and_how_far_it_got() {
    let server = start_quick(true).await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut events = c.open_get_stream().await;

    // Nothing reported yet: the tool, but no progress (the first step takes 20 s).
    let slow = started(&c.tool("slow_compute", json!({"seconds": 60})).await);
    let status = c.tool("get_task_status", json!({"taskId": slow})).await;
    let s = &status["structuredContent"];
    assert_eq!(s["tool"], "slow_compute", "{status}");
    assert!(s.get("progress").is_none() && s.get("percent").is_none(), "{status}");
    assert!(!text(&status).contains("Progress"), "{status}");
    assert!(text(&status).contains("(slow_compute, started "), "{status}");

    // Two of six steps done, then it waits for an approval nobody can send it here.
    let deploy = started(&c.tool("deploy_release", json!({"environment": "staging"})).await);
    events.until_status(&deploy, "input_required").await;
    let status = c.tool("get_task_status", json!({"taskId": deploy})).await;
    let s = &status["structuredContent"];
    assert_eq!(
        (&s["tool"], &s["progress"], &s["total"], &s["percent"]),
        (&json!("deploy_release"), &json!(2), &json!(6), &json!(33)),
        "{status}"
    );
    assert!(text(&status).contains("Progress: 2 of 6 (33%)."), "{status}");

    // Finished: the last report stays.
    let report = started(&c.tool("build_report", json!({"sections": 1})).await);
    events.until_status(&report, "completed").await;
    let status = c.tool("get_task_status", json!({"taskId": report})).await;
    assert_eq!(status["structuredContent"]["percent"], 100, "{status}");
    assert!(text(&status).contains("Progress: 4 of 4 (100%)."), "{status}");
    c.tool("cancel_task", json!({"taskId": slow})).await;
    server.shutdown().await;
}

#[tokio::test]
async fn extension_status_shows_the_tool_and_how_far_it_got() {
    let server = start_quick(true).await;
    let host = Plain { addr: server.local_addr(), token: Some("Bearer ada") };
    let deploy = started(&host.tool("deploy_release", json!({})).await);
    let status = host.wait_for(&deploy, "input_required").await;
    let s = &status["structuredContent"];
    assert_eq!(
        (&s["tool"], &s["progress"], &s["percent"]),
        (&json!("deploy_release"), &json!(2), &json!(33))
    );
    let listed = host.tool("list_my_tasks", json!({"status": "input_required"})).await;
    assert_eq!(ids(&listed), std::slice::from_ref(&deploy), "{listed}");
    assert_eq!(listed["structuredContent"]["tasks"][0]["tool"], "deploy_release");
    host.tool("cancel_task", json!({"taskId": deploy})).await;
    server.shutdown().await;
}

#[tokio::test]
async fn list_my_tasks_narrows_by_status_across_pages() {
    let config =
        Config { store: StoreConfig { page_size: 2, ..StoreConfig::default() }, ..quick(true) };
    let server = start_with(config).await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut events = c.open_get_stream().await;
    let a = started(&c.tool("slow_compute", json!({"seconds": 60})).await);
    let b = started(&c.tool("deploy_release", json!({})).await);
    events.until_status(&b, "input_required").await;
    let f = started(&c.tool("failing_job", json!({})).await);
    events.until_status(&f, "failed").await;
    let d = started(&c.tool("slow_compute", json!({"seconds": 60})).await);
    let e = started(&c.tool("build_report", json!({"sections": 1})).await);
    events.until_status(&e, "completed").await;

    // Unfiltered, a page is the store's page, as before.
    let all = c.tool("list_my_tasks", json!({})).await;
    assert_eq!(ids(&all), [a.clone(), b.clone()]);
    assert!(all["structuredContent"]["nextCursor"].is_string());

    // The two working tasks lie on two store pages; both come in one answer, with the
    // tool each runs, and the cursor goes on with the same filter.
    let working = c.tool("list_my_tasks", json!({"status": "working"})).await;
    assert_eq!(ids(&working), [a.clone(), d.clone()], "{working}");
    let tasks = working["structuredContent"]["tasks"].as_array().unwrap();
    assert!(tasks.iter().all(|t| t["tool"] == "slow_compute" && t["status"] == "working"));
    let words = text(&working);
    assert!(words.starts_with("2 working task(s)"), "{words}");
    assert!(words.contains(&format!("- {a} (slow_compute): working")), "{words}");
    let cursor = working["structuredContent"]["nextCursor"].as_str().unwrap().to_owned();
    assert!(words.contains(&json!({"cursor": cursor, "status": "working"}).to_string()), "{words}");
    let rest = c.tool("list_my_tasks", json!({"cursor": cursor, "status": "working"})).await;
    assert_eq!(ids(&rest), Vec::<String>::new());
    assert!(rest["structuredContent"].get("nextCursor").is_none(), "{rest}");
    assert_eq!(text(&rest), "No more working tasks.");

    let stuck = c.tool("list_my_tasks", json!({"status": ["input_required", "failed"]})).await;
    assert_eq!(ids(&stuck), [b.clone(), f.clone()], "{stuck}");
    let first = &stuck["structuredContent"]["tasks"][0];
    assert_eq!((&first["tool"], &first["percent"]), (&json!("deploy_release"), &json!(33)));
    assert_eq!(stuck["structuredContent"]["tasks"][1]["tool"], "failing_job");
    assert!(text(&stuck).contains("progress 2 of 6 (33%)"), "{stuck}");

    let none = c.tool("list_my_tasks", json!({"status": "cancelled"})).await;
    assert_eq!(text(&none), "You have no cancelled tasks.");
    assert!(none["structuredContent"].get("nextCursor").is_none());

    for bad in [json!("running"), json!([]), json!(5), json!(["working", null])] {
        let res = c.tool("list_my_tasks", json!({"status": bad})).await;
        assert_eq!(res["isError"], true, "{bad}: {res}");
        let says = text(&res);
        assert!(says.starts_with("status must be"), "{bad}: {says}");
        assert!(says.contains("working, input_required, completed, failed, cancelled"), "{says}");
    }
    let tools = c.call("tools/list", json!({})).await["result"]["tools"].clone();
    let list = tools.as_array().unwrap().iter().find(|t| t["name"] == "list_my_tasks").unwrap();
    assert!(list["inputSchema"]["properties"]["status"].is_object(), "{list}");
    assert!(list["description"].as_str().unwrap().contains("status"), "{list}");
    for id in [a, b, d] {
        c.tool("cancel_task", json!({"taskId": id})).await;
    }
    server.shutdown().await;
}

/// What the instructions must tell a model that knows nothing of tasks.
fn assert_follows_tasks(instructions: &Value) {
    let words = instructions.as_str().expect("instructions");
    for needed in [
        "get_task_status",
        "waiting longer each time",
        "input_required",
        "answer_task_input",
        "Never invent an answer",
        "get_task_result",
    ] {
        assert!(words.contains(needed), "{needed:?} not in {words}");
    }
}

#[tokio::test]
async fn instructions_say_how_to_follow_a_task_only_in_task_tools_mode() {
    for on in [true, false] {
        let server = start_quick(on).await;
        let addr = server.local_addr();
        let (_, init) = Legacy::initialize(addr, json!({})).await;
        let discover = ext(addr, "server/discover", None, json!({}), false).await.json().await;
        for (generation, answer) in [("2025-11-25", &init), ("2026-07-28", &discover)] {
            let instructions = &answer["result"]["instructions"];
            if on {
                assert_follows_tasks(instructions);
            } else {
                assert!(instructions.is_null(), "{generation}: {answer}");
            }
        }
        server.shutdown().await;
    }
}
