//! [`Server`]: a configuration and the tools to serve with it.

use std::fmt;
use std::io;

use tokio::net::TcpListener;

use super::config::Config;
use super::driver::{self, ServerHandle};
use super::tool::Tool;
use super::tools::{RegisterError, Tools};
use super::{control, demo_tools, fixture_tools};

/// A server to start: its [`Config`] and the tools it serves.
///
/// ```no_run
/// # use mcp_tasks::server::{CallToolResult, Tool, ToolContext, ToolResult, ToolSpec};
/// # use serde_json::{Map, Value};
/// # struct Shout;
/// # impl Tool for Shout {
/// #     fn spec(&self) -> ToolSpec { ToolSpec::new("shout", "Shouts.") }
/// #     async fn run(&self, _: Map<String, Value>, _: ToolContext) -> ToolResult {
/// #         Ok(CallToolResult::text("HI"))
/// #     }
/// # }
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use mcp_tasks::server::{Config, Server};
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let server = Server::new(Config::default()).tool(Shout)?.serve(listener)?;
/// println!("listening on http://{}/mcp", server.local_addr());
/// # Ok(()) }
/// ```
pub struct Server {
    config: Config,
    tools: Tools,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("tools", &self.tools.len())
            .finish()
    }
}

impl Server {
    /// A server with no tools yet.
    pub fn new(config: Config) -> Self {
        Self { config, tools: Tools::default() }
    }

    /// The reference server: the fixture tools the conformance suite and the peer scripts
    /// call and the demo tools, as `mcp-tasks serve` serves them. More tools can be added.
    pub fn reference(config: Config) -> Self {
        let mut tools = Tools::default();
        // Fixed names, all distinct and valid (a unit test registers them): these cannot
        // fail, and a failure would only leave a tool out.
        let _ = fixture_tools::register(&mut tools, config.job_delay);
        let _ = demo_tools::register(&mut tools, config.demo_duration);
        Self { config, tools }
    }

    /// Registers `tool`, listed after the tools registered before it.
    pub fn tool(mut self, tool: impl Tool) -> Result<Self, RegisterError> {
        self.tools.add(tool)?;
        Ok(self)
    }

    /// Serves on `listener` until [`ServerHandle::shutdown`]. Call inside a tokio runtime.
    ///
    /// In task-tools mode ([`Config::task_tools`]) the control tools are added after the
    /// registered ones; a registered tool with one of their names is an
    /// [`io::ErrorKind::InvalidInput`] error.
    pub fn serve(mut self, listener: TcpListener) -> io::Result<ServerHandle> {
        if self.config.task_tools {
            for control in control::tools() {
                self.tools
                    .add(control)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            }
        }
        driver::start(listener, self.config, self.tools)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_tools_all_register() {
        let reference = Server::reference(Config::default());
        assert_eq!(reference.tools.len(), 11);
        let mut tools = Tools::default();
        assert_eq!(control::tools().try_for_each(|c| tools.add(c)), Ok(()));
        assert_eq!(tools.len(), 5);
    }
}
