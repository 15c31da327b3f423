//! # recourse-mcp
//!
//! The Recourse gateway as an MCP server (rmcp 3.x): exactly fourteen tools, each call handed
//! to [`recourse_exec::Gateway::handle`]. Every result carries `structuredContent` with
//! `schemaVersion: "recourse.gateway.v2"`, the decision, the reasons and the ids/outputs; a
//! refusal is a tool result with `isError: true`, not a protocol error. Invalid arguments get a
//! clear error and the server keeps serving. There is no approve, reject or break-glass tool:
//! those are human operations (`recourse approvals`, `recourse break-glass`).
//!
//! Two transports: stdio ([`serve_stdio`], one agent: the caller is `--agent-id`) and
//! streamable HTTP ([`http::serve_http`], a team: each request's caller is the principal its
//! bearer token names).

pub mod http;
pub mod jsonrpc;
mod stdio;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use recourse_exec::{Caller, Gateway, ToolCall};
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler};
use serde_json::Value;

/// What the server tells the client at initialization.
pub const INSTRUCTIONS: &str = "Recourse gateway: infrastructure tools (Terraform, kubectl, shell) decided under a policy. Terraform: gateway_terraform_plan → plan_id → gateway_terraform_apply(plan_id). When a response has status pending_approval, a human must approve it outside this session: poll gateway_check_approval(approval_id), then repeat the same call with approval_id. Blocked actions never run.";

/// Who a call is made by.
#[derive(Debug, Clone)]
enum Callers {
    /// Always this one (stdio: the gateway's `--agent-id`).
    Fixed(Caller),
    /// The one the HTTP guard put on the request (an authenticated principal). A request
    /// without one is refused: nothing from the client can name a caller.
    PerRequest,
}

/// The MCP server.
#[derive(Clone)]
pub struct RecourseServer {
    gateway: Arc<Gateway>,
    callers: Callers,
    tools: Arc<Vec<Tool>>,
    /// How long a tool call may take before its request gets an error instead.
    timeout: Option<Duration>,
}

impl std::fmt::Debug for RecourseServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecourseServer")
            .field("callers", &self.callers)
            .finish_non_exhaustive()
    }
}

impl RecourseServer {
    /// A server over a gateway, acting for `agent_id`.
    pub fn new(gateway: Arc<Gateway>, agent_id: String) -> Self {
        RecourseServer {
            gateway,
            callers: Callers::Fixed(Caller::agent(agent_id)),
            tools: Arc::new(tools::all()),
            timeout: None,
        }
    }

    /// A server behind the HTTP guard: each call is made by the principal the guard
    /// authenticated for that request, and answered within `timeout`.
    pub fn for_http(gateway: Arc<Gateway>, timeout: Duration) -> Self {
        RecourseServer {
            gateway,
            callers: Callers::PerRequest,
            tools: Arc::new(tools::all()),
            timeout: Some(timeout),
        }
    }

    /// The caller of one request.
    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
        match &self.callers {
            Callers::Fixed(c) => Ok(c.clone()),
            Callers::PerRequest => context
                .extensions
                .get::<axum::http::request::Parts>()
                .and_then(|p| p.extensions.get::<Caller>())
                .cloned()
                .ok_or_else(|| {
                    ErrorData::internal_error("no authenticated caller on this request", None)
                }),
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
        caller: &Caller,
        name: &str,
        arguments: Option<serde_json::Map<String, Value>>,
    ) -> Result<CallToolResult, ErrorData> {
        if !self.tools.iter().any(|t| t.name == name) {
            let error = format!("unknown tool `{name}`: see tools/list");
            if let Err(e) = self
                .gateway
                .reject_message(caller, Some(name), &error, None)
            {
                return Err(ErrorData::internal_error(
                    format!("{error}; and the audit log is unavailable: {e}"),
                    None,
                ));
            }
            return Err(ErrorData::invalid_params(error, None));
        }
        let args = arguments.unwrap_or_default();
        if let Some(problem) = tools::oversized(&args) {
            return Ok(Self::result(
                &self.gateway.reject_input(name, caller, &problem),
            ));
        }
        let resp = match ToolCall::from_json(name, Value::Object(args)) {
            Ok(call) => self.gateway.handle(call, caller),
            Err(e) => self.gateway.reject_input(name, caller, &e),
        };
        Ok(Self::result(&resp))
    }
}

impl ServerHandler for RecourseServer {
    // `enable_logging`: see `set_level`.
    #[allow(deprecated)]
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_logging()
                .build(),
        )
        .with_server_info(Implementation::new("recourse", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        // A principal sees the tools the policy grants it here (every tool when the policy
        // has no principals section); calling another is refused and recorded anyway.
        let caller = self.caller(&context)?;
        let policy = &self.gateway.config().policy;
        let env = self.gateway.config().environment;
        let who = recourse_policy::Principal {
            id: &caller.agent_id,
            groups: &caller.groups,
        };
        let tools = self
            .tools
            .iter()
            .filter(|t| policy.may_use(env, &who, &t.name).is_ok())
            .cloned()
            .collect();
        // The list depends on who asks: shared caches must not keep it.
        Ok(ListToolsResult::with_all_items(tools).with_cache_scope(CacheScope::Private))
    }

    // Logging is deprecated from 2026-07-28 (SEP-2577) but part of 2025-11-25, which clients
    // still speak.
    #[allow(deprecated)]
    async fn set_level(
        &self,
        _request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        // The gateway sends no log notifications (its log is the audit log, for humans), so
        // any level is accepted and changes nothing.
        Ok(())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.caller(&context)?;
        let name = request.name.to_string();
        let span = call_span(&name, &caller, &context);
        let this = self.clone();
        let args = request.arguments;
        let call_name = name.clone();
        let call =
            tokio::task::spawn_blocking(move || this.call_blocking(&caller, &call_name, args));
        let joined = match self.timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(joined) => joined,
                Err(_) => {
                    span.record("error.type", "timeout");
                    return Err(ErrorData::internal_error(
                        format!(
                            "{name} did not finish within {} s; it goes on until its own time limit, and its outcome is in the audit log",
                            limit.as_secs()
                        ),
                        None,
                    ));
                }
            },
        };
        let result = joined
            .map_err(|e| ErrorData::internal_error(format!("tool call failed: {e}"), None))?;
        match &result {
            Ok(r) => {
                let decision = r
                    .structured_content
                    .as_ref()
                    .and_then(|v| v.get("decision"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                span.record("recourse.decision", decision);
                if r.is_error == Some(true) {
                    span.record("error.type", "tool_error");
                }
            }
            Err(e) => {
                span.record("error.type", e.code.0);
            }
        }
        result.map(CallToolResponse::from)
    }
}

/// The span of one `tools/call`, named and attributed per the OpenTelemetry semantic
/// conventions for MCP (`{mcp.method.name} {gen_ai.tool.name}`, `mcp.session.id`,
/// `jsonrpc.request.id`, `gen_ai.operation.name = execute_tool`, …) plus who asked.
fn call_span(name: &str, caller: &Caller, context: &RequestContext<RoleServer>) -> tracing::Span {
    let parts = context.extensions.get::<axum::http::request::Parts>();
    let header = |h: &str| {
        parts
            .and_then(|p| p.headers.get(h))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let client = parts
        .and_then(|p| p.extensions.get::<http::ClientAddr>())
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    tracing::info_span!(
        "mcp.tools.call",
        otel.name = %format!("tools/call {name}"),
        otel.kind = "server",
        mcp.method.name = "tools/call",
        mcp.session.id = %header("mcp-session-id"),
        mcp.protocol.version = %header("mcp-protocol-version"),
        jsonrpc.request.id = %context.id,
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = %name,
        network.transport = if parts.is_some() { "tcp" } else { "pipe" },
        client.address = %client,
        enduser.id = %caller.agent_id,
        recourse.decision = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
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

/// Serves MCP over stdin/stdout until the client disconnects. Every line is screened first
/// ([`jsonrpc::screen`]): malformed messages are answered here, never dropped.
pub async fn serve_stdio(server: RecourseServer) -> Result<(), ServeError> {
    stdio::serve(server, tokio::io::stdin(), tokio::io::stdout()).await
}
