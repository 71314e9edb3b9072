//! The reference server (feature `server`): the [`Receiver`](crate::receiver::Receiver)
//! behind Streamable HTTP for both generations at `/mcp`, the tools you register
//! ([`Tool`], [`Server::tool`]) or the reference server's fixture and demo tools, and
//! static files (`www/` at `/`, `pkg/` at `/pkg/`).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = mcp_tasks::server::serve(listener, mcp_tasks::server::Config::default())?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod builder;
mod call;
mod clock;
mod config;
mod conn;
mod control;
mod ctx;
mod demo_tools;
mod driver;
mod extension;
mod fixture_tools;
mod host;
mod http;
mod notes;
mod shared_store;
mod state;
mod statics;
mod tool;
mod tools;
mod unwind;

/// What a tool answers: content, `structuredContent`, `isError` (the same in both
/// generations).
pub use crate::protocol::legacy::CallToolResult;
/// Whether a tool may, must or must not run as a task (its `taskSupport`).
pub use crate::protocol::legacy::TaskSupport;
/// A question for the requestor (`elicitation/create`, `sampling/createMessage`, ...), for
/// [`ToolContext::ask`].
pub use crate::task::InputRequest;
pub use builder::Server;
pub use clock::Clock;
pub use config::Config;
pub use ctx::{Elicitation, ToolContext, ToolError};
pub use driver::ServerHandle;
pub use tool::{BeforeTask, FnTool, Tool, ToolResult, ToolSpec, tool_fn};
pub use tools::RegisterError;

/// The relative path a static-file request maps to, or `None` when it is refused
/// (traversal, hidden names, bad encoding). Public only so that the fuzz targets can reach
/// the check without a file system; not part of the API.
#[doc(hidden)]
pub fn static_relative_path(path: &str) -> Option<std::path::PathBuf> {
    statics::safe_relative(path)
}

use tokio::net::TcpListener;

/// Serves the reference server's tools ([`Server::reference`]) on `listener` until
/// [`ServerHandle::shutdown`]. Call inside a tokio runtime.
pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<ServerHandle> {
    Server::reference(config).serve(listener)
}
