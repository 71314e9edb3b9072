//! The task state machine: statuses, the task model, the transition function and the
//! per-generation policy.

mod generation;
mod model;
mod policy;
mod status;
mod transition;

pub use generation::Generation;
pub use model::{
    InputAnswer, InputAnswers, InputRequest, InputRequests, InputResponses, Outcome, Payload, Task,
    TaskView,
};
pub use policy::{
    CancelMode, InputDelivery, Policy, ResultDelivery, StatusPush, TaskOptIn, TerminalCancel,
    Transport,
};
pub use status::TaskStatus;
pub use transition::{MessageUpdate, Transition, TransitionError, transition};
