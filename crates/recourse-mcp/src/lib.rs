//! # recourse-mcp
//!
//! The Recourse gateway as an MCP server (rmcp 3.x): exactly fourteen tools, each call handed
//! to [`recourse_exec::Gateway::handle`]. Every result carries `structuredContent` with
//! `schemaVersion: "recourse.gateway.v2"`, the decision, the reasons and the ids/outputs; a
//! refusal is a tool result with `isError: true`, not a protocol error. Invalid arguments get a
//! clear error and the server keeps serving. There is no approve, reject or break-glass tool:
//! those are human operations (`recourse approvals`, `recourse break-glass`).

pub mod tools;

use std::sync::Arc;

use recourse_exec::{Caller, Gateway, ToolCall};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::Value;

/// What the server tells the client at initialization.
pub const INSTRUCTIONS: &str = "Recourse gateway: infrastructure tools (Terraform, kubectl, shell) decided under a policy. Terraform: gateway_terraform_plan → plan_id → gateway_terraform_apply(plan_id). When a response has status pending_approval, a human must approve it outside this session: poll gateway_check_approval(approval_id), then repeat the same call with approval_id. Blocked actions never run.";

/// The MCP server.
#[derive(Clone)]
pub struct RecourseServer {
    gateway: Arc<Gateway>,
    caller: Caller,
    tools: Arc<Vec<Tool>>,
}

impl std::fmt::Debug for RecourseServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecourseServer")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl RecourseServer {
    /// A server over a gateway, acting for `agent_id`.
    pub fn new(gateway: Arc<Gateway>, agent_id: String) -> Self {
        RecourseServer {
            gateway,
            caller: Caller::agent(agent_id),
            tools: Arc::new(tools::all()),
        }
    }

    /// The tool list.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    fn result(resp: &recourse_exec::Response) -> CallToolResult {
        let structured = serde_json::to_value(resp).unwrap_or(Value::Null);
        let text = serde_json::to_string_pretty(&structured).unwrap_or_default();
        let mut r = if resp.is_error() {
            CallToolResult::error(vec![ContentBlock::text(text)])
        } else {
            CallToolResult::success(vec![ContentBlock::text(text)])
        };
        r.structured_content = Some(structured);
        r
    }

    /// Handles one `tools/call` (blocking: run it off the async runtime).
    pub fn call_blocking(
        &self,
        name: &str,
        arguments: Option<serde_json::Map<String, Value>>,
    ) -> Result<CallToolResult, ErrorData> {
        if !self.tools.iter().any(|t| t.name == name) {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`: see tools/list"),
                None,
            ));
        }
        let args = arguments.unwrap_or_default();
        if let Some(problem) = tools::oversized(&args) {
            return Ok(Self::result(&self.gateway.reject_input(
                name,
                &self.caller,
                &problem,
            )));
        }
        let resp = match ToolCall::from_json(name, Value::Object(args)) {
            Ok(call) => self.gateway.handle(call, &self.caller),
            Err(e) => self.gateway.reject_input(name, &self.caller, &e),
        };
        Ok(Self::result(&resp))
    }
}

impl ServerHandler for RecourseServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("recourse", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let this = self.clone();
        let name = request.name.to_string();
        let args = request.arguments;
        tokio::task::spawn_blocking(move || this.call_blocking(&name, args))
            .await
            .map_err(|e| ErrorData::internal_error(format!("tool call failed: {e}"), None))?
            .map(CallToolResponse::from)
    }
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The client never completed initialization.
    #[error("MCP initialization failed: {0}")]
    Init(String),
    /// The service task failed.
    #[error("MCP service failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Serves MCP over stdin/stdout until the client disconnects.
pub async fn serve_stdio(server: RecourseServer) -> Result<(), ServeError> {
    let service = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServeError::Init(e.to_string()))?;
    service.waiting().await?;
    Ok(())
}
