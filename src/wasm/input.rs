//! Input requests handed to the caller's `onInputRequest` (the call's, else the client's),
//! and its answer or refusal delivered to the engine.

use std::cell::RefCell;
use std::rc::Weak;

use js_sys::{Function, Promise};
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::client::InputId;
use crate::protocol::json::jv;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};

use super::convert;
use super::driver::{self, Driver};

#[cfg(feature = "host")]
pub(crate) use super::host::{Hosting, Question};
#[cfg(not(feature = "host"))]
pub(crate) use unhosted::{Hosting, Question};

/// The default entry hosts no tasks (its engine never reports any): the same calls as
/// `super::host`, doing nothing, so that none of that code is linked.
#[cfg(not(feature = "host"))]
mod unhosted {
    use wasm_bindgen::JsValue;

    use crate::client::{InputId, WithdrawReason};
    use crate::task::Task;

    /// A hosted question: there are none.
    pub(crate) enum Question {}

    impl Question {
        pub(crate) fn attach(&self, _: &JsValue) {
            match *self {}
        }
    }

    #[derive(Default)]
    pub(crate) struct Hosting;

    impl Hosting {
        pub(crate) fn hosted(&mut self, _: InputId, _: &Task) {}

        pub(crate) fn question(&mut self, _: InputId) -> Option<Question> {
            None
        }

        pub(crate) fn withdrawn(&mut self, _: InputId, _: WithdrawReason) {}
    }
}

/// An input request handed to a handler.
pub(crate) struct Asked {
    pub(crate) input: InputId,
    pub(crate) method: String,
    /// Asked in 2026-07-28, whose answers have no error form.
    pub(crate) extension: bool,
    /// The task the client hosts for the answer, if any: the handler gets its id and a
    /// signal; dropped once the handler is done.
    pub(crate) hosted: Option<Question>,
}

/// Asks the call's or the client's `onInputRequest` and delivers its answer. A handler
/// that throws (or rejects) refuses the request: a 2025-11-25 server gets a JSON-RPC error
/// response (the thrown `code` when it is an integer, else -32603, and its `message`); an
/// extension elicitation gets `cancel`. Without a handler an elicitation is answered
/// `cancel` so that the task does not wait forever; other requests without a handler, or
/// refused under the extension, stay open.
pub(crate) async fn answer(
    driver: Weak<RefCell<Driver>>,
    handler: Option<Function>,
    asked: Asked,
    request: Value,
) {
    let answered = match handler {
        Some(handler) => {
            let request = convert::to_js(&request);
            if let Some(question) = &asked.hosted {
                question.attach(&request);
            }
            Some(match handler.call1(&JsValue::UNDEFINED, &request) {
                Ok(returned) => JsFuture::from(Promise::resolve(&returned)).await,
                Err(thrown) => Err(thrown),
            })
        }
        None => None,
    };
    let elicitation = asked.method == "elicitation/create";
    let answer = match answered {
        Some(Ok(value)) => match convert::object(value, "the input answer") {
            Ok(Some(answer)) => Ok(answer),
            _ => Err(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the answer is not an object")),
        },
        Some(Err(thrown)) => Err(refusal(&thrown)),
        None if elicitation => Ok(cancel_elicitation()),
        None => return,
    };
    if answer.is_err() && asked.extension && !elicitation {
        return;
    }
    let Some(shared) = driver.upgrade() else { return };
    // An answer for a request the engine no longer holds (its task ended) is dropped.
    {
        let engine = &mut shared.borrow_mut().engine;
        let _ = match answer {
            Ok(answer) => engine.answer_input(driver::now(), asked.input, answer),
            Err(error) => engine.reject_input(driver::now(), asked.input, error),
        };
    }
    driver::pump(&shared);
}

/// What a handler threw, as the JSON-RPC error of the refused request.
fn refusal(thrown: &JsValue) -> ErrorObject {
    let code = convert::field(thrown, "code").and_then(|c| c.as_f64());
    let code = code.filter(|c| c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX));
    let message = convert::field(thrown, "message").and_then(|m| m.as_string());
    let message = message.or_else(|| thrown.as_string());
    ErrorObject::new(
        code.map_or(ErrorCode::INTERNAL_ERROR, |c| ErrorCode(c as i32)),
        message.unwrap_or_else(|| "the input request was refused".into()),
    )
}

fn cancel_elicitation() -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert("action".into(), jv!("cancel"));
    answer
}
